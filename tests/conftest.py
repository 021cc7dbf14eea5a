"""Shared fixtures: the demo county built once per run, AppTest of a page, a real server and headless Chromium.

Browser tests block every request that does not go to localhost (the county intranet has no internet)
and fail on any Streamlit error box.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ERROR_BOXES = "[data-testid=stException], [data-testid=stAlertContentError]"

sys.path.insert(0, str(ROOT))


def run_cli(*args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """Run `python -m <args>` from the repo root, as a user would."""
    kwargs.setdefault("cwd", ROOT)
    env = {**os.environ, "PYTHONPATH": str(ROOT), **kwargs.pop("env", {})}
    result = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, env=env, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The demo county at its default size and seed, built through `python -m ingest demo`."""
    db = tmp_path_factory.mktemp("demo") / "county.duckdb"
    run_cli("ingest", "demo", "--db", str(db))
    return db


@pytest.fixture
def tiny_db(tmp_path) -> Path:
    """A real (not demo) database of the tiny fixture county (townships T01–T03), in this test's folder."""
    db = tmp_path / "county.duckdb"
    run_cli("ingest", "load", str(ROOT / "tests" / "fixtures" / "tiny"), "--db", str(db))
    return db


def demo_user(role: str = "县领导", township_code: str | None = None):
    """A signed-in user as the login would leave it in the session (role names from access.roles)."""
    from access.roles import User

    names = {"县领导": "secretary", "乡镇": "township", "数据管理员": "clerk", "只读演示": "viewer"}
    return User(names.get(role, role), f"测试{role}", role, township_code)


@pytest.fixture
def app_page(demo_db, monkeypatch):
    """AppTest of one page through the real shell, signed in (default 县领导):
    app_page("pages/funds.py", query={"township": code}, user=demo_user("乡镇", code)); user=None = signed out."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WARROOM_DB", str(demo_db))
    monkeypatch.chdir(ROOT)

    def open_page(page: str, query: dict | None = None, timeout: float = 60, user="default") -> AppTest:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
        if user == "default":
            user = demo_user()
        if user is not None:
            at.session_state["user"] = user
            at.session_state["role"] = user.role
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.run()
        if page != "pages/overview.py":
            at.switch_page(page).run()
        return at

    return open_page


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(db: Path, tmp: Path):
    """`streamlit run dashboard.py` on `db` of a test's own (never the session's shared demo database); yields its URL."""
    port = _free_port()
    with (tmp / "streamlit.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env={**os.environ, "WARROOM_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        try:
            yield url
        finally:
            proc.terminate()
            proc.wait(10)


@pytest.fixture(scope="session")
def server(demo_db, tmp_path_factory):
    """A real `streamlit run dashboard.py` on localhost serving the demo county; yields its base URL."""
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    env = {**os.environ, "WARROOM_DB": str(demo_db)}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError(f"streamlit did not start:\n{log.read_text()}")
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class OfflinePage:
    """A browser tab that refuses non-local requests and remembers them (the intranet has no internet)."""

    def __init__(self, browser, width: int = 1400, height: int = 900, user_agent: str | None = None):
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                           **({"user_agent": user_agent} if user_agent else {}))
        self.foreign: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route):
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost", "::1"):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def open(self, url: str, settle_ms: int = 1500, login: tuple[str, str] | None = ("secretary", "demo")):
        """Go to url, sign in (demo account by default; None = stay signed out), wait until idle."""
        self.page.goto(url)
        # Either the login form or the signed-in shell (its logout button) — whichever this session gets.
        self.page.wait_for_selector("input[aria-label='用户名'], [data-testid=stSidebar] button:has-text('退出登录')",
                                    timeout=60_000)
        self.wait_idle(settle_ms)
        if login is not None and self.page.get_by_label("用户名").count():
            self.login(*login, settle_ms=settle_ms)
        return self.page

    def login(self, username: str, password: str, settle_ms: int = 1500, expect_success: bool = True) -> None:
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        if expect_success:
            self.page.get_by_role("button", name="退出登录").wait_for(timeout=60_000)
        self.wait_idle(settle_ms)

    def wait_idle(self, settle_ms: int = 1500) -> None:
        """Wait until no script is running and the page text has stopped changing."""
        deadline = time.monotonic() + 60
        last, stable_since = None, time.monotonic()
        while time.monotonic() < deadline:
            busy = self.page.locator("[data-testid=stStatusWidget], [data-testid=stSkeleton]").count() > 0
            text = self.page.evaluate("document.body.innerText")
            if busy or text != last:
                last, stable_since = text, time.monotonic()
            elif (time.monotonic() - stable_since) * 1000 >= settle_ms:
                return
            self.page.wait_for_timeout(250)

    def error_boxes(self) -> list[str]:
        return self.page.locator(ERROR_BOXES).all_inner_texts()

    def screenshot(self, name: str) -> Path:
        out = ROOT / "tests" / "screenshots"
        out.mkdir(exist_ok=True)
        path = out / f"{name}.png"
        # Streamlit scrolls inside its main container, so grow the viewport to show the whole page.
        size = self.page.viewport_size
        height = self.page.evaluate(
            "Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stSidebar]')]"
            ".map(e => e.scrollHeight), 0)")
        self.page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(height) + 40)})
        self.page.wait_for_timeout(500)
        self.page.screenshot(path=str(path), full_page=True)
        self.page.set_viewport_size(size)
        return path

    def close(self):
        self.context.close()


def open_signed_in(tab, url: str, heading: str):
    """tab.open, then make sure the sign-in went through and the page's heading is there."""
    page = tab.open(url)
    for _ in range(2):
        if page.get_by_role("heading", name=heading).count():
            break
        if page.get_by_label("用户名").count():
            tab.login("secretary", "demo")
        page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    tab.wait_idle()
    return page


@pytest.fixture
def offline_page(browser):
    tab = OfflinePage(browser)
    yield tab
    tab.close()
    assert not tab.foreign, f"the page requested non-local URLs: {tab.foreign[:5]}"
