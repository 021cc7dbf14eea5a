"""Downloads only for a signed-in browser: Streamlit's `/media/<id>` files behind the sign-in cookie.

Every download (Excel, 周报 PDF/Word, 季讲评 PPT, map PNG, the import's error report) is served by
Streamlit from `/media/<id>`, a route with no notion of a session: a link copied from the browser history or
a proxy log kept working for minutes after its tab was closed (a generated file lives until two orphan
sweeps after its session ends). The route is wrapped, once per server process, so that a request without a
valid sign-in cookie of ours (access/session.py: signature, expiry, current session generation) gets 403.
Logout deletes the cookie and raises the generation, so a link stops working the moment the user signs out.

Streamlit (pinned in requirements.txt) builds its Starlette app before any script runs and keeps no public
handle on it; the app is found once among live objects and its media route swapped for the guarded one.
If that ever fails (another Streamlit), the server logs it and `purge_session_media` still removes a
session's files at logout.
"""

from __future__ import annotations

import gc
import logging
import threading
from pathlib import Path

from access.session import COOKIE_NAME, cookie_claims
from access.store import DEMO_USERNAMES, AccessStore

_LOG = logging.getLogger(__name__)
_lock = threading.Lock()
_state: dict = {}  # "store": the access store to check against; "ok": whether the route is guarded
_MEDIA_PATH = "/media/{file_id"  # "/media/{file_id:path}" in Streamlit 1.67
_stores: dict[str, tuple[AccessStore, str]] = {}


def _allowed(store_file: Path, token: str | None) -> bool:
    """A valid, unrevoked sign-in cookie of a current account (a demo account's ends with the demo county)."""
    if str(store_file) not in _stores:
        store = AccessStore(store_file)
        _stores[str(store_file)] = (store, store.secret("cookie"))
    store, key = _stores[str(store_file)]
    known = {u.username for u, _ in store.users()} | set(DEMO_USERNAMES)
    return cookie_claims(token, key, store, known) is not None


def _downloadable(file_id: str) -> bool:
    """Only downloads need the cookie: the page's own media (the favicon on the login page) stays public."""
    try:
        from streamlit.runtime import get_instance
        from streamlit.runtime.media_file_storage import MediaFileKind

        found = get_instance().media_file_mgr.read_file(file_id)
    except Exception:
        return True  # unknown: guard it
    return found is None or found.kind == MediaFileKind.DOWNLOADABLE


def install(store_file: Path) -> bool:
    """Guard the running server's media route, checking cookies against `store_file` (the served database's
    access store). The route is looked for once per process; later calls only update the store. True when
    the route is guarded."""
    with _lock:
        _state["store"] = Path(store_file)
        if "ok" not in _state:
            _state["ok"] = _wrap()
            if not _state["ok"]:
                _LOG.warning("media route not guarded: downloads are served without checking the sign-in cookie")
        return _state["ok"]


def _wrap() -> bool:
    try:
        from starlette.applications import Starlette
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route
    except ImportError:
        return False
    apps = [o for o in gc.get_objects() if isinstance(o, Starlette)]
    done = False
    for app in apps:
        routes = app.router.routes
        for index, route in enumerate(routes):
            if not (isinstance(route, Route) and _MEDIA_PATH in route.path and "GET" in (route.methods or ())):
                continue
            if getattr(route.endpoint, "_warroom_guarded", False):
                done = True
                continue
            original = route.endpoint

            async def guarded(request, _original=original):
                if _downloadable(request.path_params.get("file_id", "")) and not await run_in_threadpool(
                        _allowed, _state["store"], request.cookies.get(COOKIE_NAME)):  # SQLite: off the event loop
                    return PlainTextResponse("需要登录后下载（登录已失效或已退出）", status_code=403)
                return await _original(request)

            guarded._warroom_guarded = True
            routes[index] = Route(route.path, guarded, methods=sorted(route.methods - {"HEAD"}) or ["GET"])
            done = True
    return done


def purge_session_media() -> None:
    """Drop this session's media references and sweep twice (mark, then delete), so that the files this
    session displayed or generated are gone now rather than after the next sessions' runs."""
    try:
        from streamlit.runtime import get_instance
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        manager = get_instance().media_file_mgr
        if ctx is not None:
            manager.clear_session_refs(ctx.session_id)
        manager.remove_orphaned_files()
        manager.remove_orphaned_files()
    except Exception:  # no runtime (AppTest, bare mode): nothing is served
        pass
