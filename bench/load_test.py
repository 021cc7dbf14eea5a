"""Load test: N concurrent browser sessions against a real `streamlit run dashboard.py` on 127.0.0.1.

The Monday rush (issue 9): township heads open the dashboard at once, each signs in (demo accounts) and
goes through every page with their own filters, while the data office may publish a new export
(`--publish-during`). Measured: per-page time (action until Streamlit is idle: no status widget and the
page text unchanged for `--settle-ms`; the settle window itself is not counted), errors (an exception or
error box, a failed or >= 400 request, a JS error, a request leaving localhost, a page that never
settles), server RSS, and which data version each view showed.

    python bench/load_test.py --db /tmp/x/county.duckdb --sessions 30 --duration 240
    python bench/load_test.py --db /tmp/x/county.duckdb --sessions 30 --publish-during auto

One headless Chromium (Debian /usr/bin/chromium), one context per session, asyncio. Bounded: the run
stops by itself after --duration seconds (each session finishes its current view), and the server it
started is stopped. Results: bench/results/load-<label>-<stamp>.json and .md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.protocol_client import ProtocolTab, Rendered  # noqa: E402
from queries import version_label  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]  # as tests/conftest.py
ERROR_BOXES = "[data-testid=stException], [data-testid=stAlertContentError]"
BUSY = "[data-testid=stStatusWidget], [data-testid=stSkeleton]"
# Every page of the shell (dashboard.PAGE_SPECS) a township head or the secretary opens; "" is the default page.
PAGES = ("", "poverty", "households", "funds", "projects", "battle_map", "ranking", "weekly", "quarterly",
         "rectification", "data_check")
VERSION_CAPTION = version_label.TAG  # the sidebar's "第 N 版 · … 发布": which version a view showed
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
PROBE = re.compile(r"/(" + "|".join(p for p in PAGES if p) + r")/_stcore/(health|host-config)$")


@dataclass
class View:
    session: int
    round: int
    page: str
    township: str
    as_of: str
    how: str          # "url" (a new browser visit) or "nav" (sidebar link in the same session)
    started: float    # seconds since the run started
    seconds: float    # until idle
    version: str | None
    errors: list[str] = field(default_factory=list)
    js_errors: list[str] = field(default_factory=list)  # uncaught JS errors: reported, not what a user sees


# -- the server ---------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, log: Path, env_extra: dict[str, str], app_dir: Path = ROOT) -> subprocess.Popen:
    env = {**os.environ, "WARROOM_DB": str(db), **env_extra}
    out = log.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         # Other people edit the source tree meanwhile: no reruns triggered by their saves.
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=app_dir, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"streamlit did not start:\n{log.read_text()}")


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler(threading.Thread):
    """Server RSS every `interval` seconds (summed over the server's processes, e.g. two behind nginx), with the
    number of sessions signed in at that moment."""

    def __init__(self, pids: list[int], interval: float = 0.5):
        super().__init__(daemon=True)
        self.pids, self.interval = pids, interval
        self.samples: list[tuple[float, float, int]] = []
        self.active = 0
        self.warm_rss: float | None = None
        self.t0 = time.monotonic()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            value = self.total()
            if value is not None:
                self.samples.append((round(time.monotonic() - self.t0, 2), round(value, 1), self.active))
            self._halt.wait(self.interval)

    def total(self) -> float | None:
        values = [v for v in map(rss_mb, self.pids) if v is not None]
        return sum(values) if values else None

    def stop(self) -> None:
        self._halt.set()
        self.join(5)


# -- the data the sessions filter by ------------------------------------------------------------------------

def filter_choices(db: Path) -> tuple[list[str], list[str], int]:
    """Township codes, a few 数据截止日期 (latest, a week and a month before, mid-year, last year end) and
    the demo's household count, read from the served version (read-only, closed before the server starts)."""
    from queries.runner import Database

    with Database.open(db) as database:
        townships = database.run("townships")["township_code"].to_list()
        latest = database.data_as_of()
        meta = dict(database.run("meta").iter_rows())
    dates = [latest, latest - dt.timedelta(days=7), latest - dt.timedelta(days=30),
             dt.date(latest.year, 6, 30), dt.date(latest.year - 1, 12, 31)]
    return townships, [d.isoformat() for d in dates], int(meta.get("demo_households", 7000))


# -- the accounts the sessions sign in with -----------------------------------------------------------------

ACCOUNTS = (("lt_secretary", "县委书记（压测）", "县领导"), ("lt_township", "乡镇长（压测）", "乡镇"),
            ("lt_clerk", "数据管理员（压测）", "数据管理员"))
PASSWORD = "load-test"


def ensure_accounts(db: Path, township: str) -> None:
    """Real accounts in the access store, as a county has: the demo accounts exist only while the demo
    database is served, and the publish during the run replaces it with an ordinary import."""
    from access.store import AccessStore, store_path

    store = AccessStore(store_path(db))
    existing = {user.username for user, _ in store.users()}
    for username, name, role in ACCOUNTS:
        if username in existing:
            store.set_password(username, PASSWORD)
            store.set_role(username, role, township if role == "乡镇" else None)
        else:
            store.add_user(username, name, role, PASSWORD, township if role == "乡镇" else None)
        store.record_success(username)  # clear a lock-out left by an earlier, interrupted run


# -- one session --------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    seconds: float
    version: str | None
    errors: list[str] = field(default_factory=list)
    js_errors: list[str] = field(default_factory=list)


class Session:
    """One township head (or the secretary, or the clerk): opens a deep link with their filters, signs in,
    then goes through every other page of the sidebar with a think time between clicks, round after round.
    Subclasses say how a visit and a click are made and observed."""

    def __init__(self, number: int, base: str, t0: float, args, townships, dates, sampler):
        self.number, self.base, self.t0, self.args = number, base, t0, args
        self.random = random.Random(args.seed * 1000 + number)
        self.townships, self.dates, self.sampler = townships, dates, sampler
        self.account = ACCOUNTS[number % len(ACCOUNTS)]
        self.views: list[View] = []
        self.signed_in = False

    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    async def visit(self, path: str, township: str, as_of: str) -> Outcome: ...
    async def follow(self, path: str) -> Outcome | None: ...

    def pending_errors(self) -> list[str]:
        return []

    def _signed_in(self) -> None:
        if not self.signed_in and self.sampler is not None:
            self.sampler.active += 1
        self.signed_in = True

    async def _view(self, round_: int, path: str, township: str, as_of: str, how: str, action) -> None:
        started = time.monotonic()
        try:
            outcome = await action
        except Exception as exc:  # a visit or click that failed: an error, and carry on
            outcome = Outcome(self.args.page_timeout, None,
                              [*self.pending_errors(), f"{type(exc).__name__}: {str(exc)[:300]}"])
        if outcome is None:  # no such page in this user's sidebar
            return
        self.views.append(View(self.number, round_, path or "home", township, as_of, how, round(started - self.t0, 2),
                               round(outcome.seconds, 3), outcome.version, outcome.errors, outcome.js_errors))

    async def run(self, stop_at: float, rounds: int | None = None, think: tuple[float, float] | None = None) -> None:
        think = think or tuple(self.args.think)
        await asyncio.sleep(max(0, self.number) * self.args.ramp / max(1, self.args.sessions))
        await self.start()
        round_ = 0
        try:
            while time.monotonic() < stop_at and (rounds is None or round_ < rounds):
                township = self.random.choice(["ALL", *self.townships]) if self.account[2] != "乡镇" else "ALL"
                as_of = self.random.choice(self.dates)
                order = list(PAGES[1:])
                self.random.shuffle(order)
                first = "" if round_ == 0 else order.pop()
                await self._view(round_, first, township, as_of, "url", self.visit(first, township, as_of))
                for path in order:
                    if time.monotonic() >= stop_at:
                        break
                    await asyncio.sleep(self.random.uniform(*think))
                    await self._view(round_, path, township, as_of, "nav", self.follow(path))
                round_ += 1
        finally:
            if self.signed_in and self.sampler is not None:
                self.sampler.active -= 1
            await self.stop()


class ProtocolSession(Session):
    """Speaks Streamlit's websocket protocol (bench/protocol_client.py): the server's work for each view, with
    no browser on the server's cores. Page time = request until the server reports the run finished."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.tab = ProtocolTab(self.base, timeout=self.args.page_timeout)

    async def stop(self) -> None:
        await self.tab.close()

    def _outcome(self, seconds: float, rendered: Rendered) -> Outcome:
        match = VERSION_CAPTION.search(rendered.text)
        return Outcome(seconds, match[0] if match else None, list(rendered.errors))

    async def visit(self, path: str, township: str, as_of: str) -> Outcome:
        started = time.monotonic()
        rendered = await self.tab.open(path, urlencode({"township": township, "as_of": as_of}))
        if "用户名" in rendered.inputs:
            rendered = await self.tab.submit(rendered, {"用户名": self.account[0], "密码": PASSWORD}, "登录")
            if "登录成功" in rendered.text:  # the browser's cookie component reports back, and the app reruns
                rendered = await self.tab.rerun()
            if "退出登录" not in rendered.buttons:
                rendered.errors.append("sign-in failed: " + rendered.text[-200:])
            else:
                self._signed_in()
        return self._outcome(time.monotonic() - started, rendered)

    async def follow(self, path: str) -> Outcome | None:
        started = time.monotonic()
        rendered = await self.tab.navigate(path)
        return None if rendered is None else self._outcome(time.monotonic() - started, rendered)


class BrowserSession(Session):
    """A Chromium context (Playwright): the whole user experience, rendering included. On one machine with
    the server, the browsers' CPU is measured too: see --client-nice."""

    def __init__(self, number: int, base: str, t0: float, args, townships, dates, sampler, browser=None):
        super().__init__(number, base, t0, args, townships, dates, sampler)
        self.browser = browser
        self.pending: list[str] = []  # errors seen by listeners since the last view was recorded
        self.js_pending: list[str] = []

    async def start(self) -> None:
        self.context = await self.browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        await self.context.route("**/*", self._route)
        self.page = await self.context.new_page()
        self._listen(self.page)

    async def stop(self) -> None:
        await self.context.close()

    def pending_errors(self) -> list[str]:
        errors, self.pending = self.pending, []
        return errors

    def _listen(self, page) -> None:
        def failed(request):
            # Streamlit aborts a pending fetch when a rerun replaces it (a media file, a component's iframe of the
            # previous run): not a failure the user sees. Every other failure counts, the page itself included.
            if request.failure and "ERR_ABORTED" in request.failure and request.frame != page.main_frame:
                return
            if request.failure and "ERR_ABORTED" in request.failure and request.resource_type != "document":
                return
            self.pending.append(f"request failed: {request.method} {request.url} ({request.failure})")

        def response(resp):
            # Opening a deep link, Streamlit's frontend first probes /<page>/_stcore/{health,host-config} to find
            # the server's base path, gets 404 and then uses "/": part of connecting, not a failure.
            if resp.status == 404 and PROBE.search(resp.url):
                return
            if resp.status >= 400:
                self.pending.append(f"HTTP {resp.status}: {resp.request.method} {resp.url}")

        page.on("requestfailed", failed)
        page.on("response", response)
        page.on("pageerror", lambda exc: self.js_pending.append(f"JS error: {str(exc)[:200]}"))

    async def _route(self, route):
        url = route.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            await route.continue_()
        else:
            self.pending.append(f"non-local request blocked: {url}")
            await route.abort()

    async def wait_idle(self, started: float) -> tuple[float | None, str | None]:
        """Seconds from `started` until the page went idle (not counting the settle window); None = never."""
        settle = self.args.settle_ms / 1000
        deadline = started + self.args.page_timeout
        last, stable_since = None, time.monotonic()
        await asyncio.sleep(0.15)  # let the click or navigation reach the server
        while time.monotonic() < deadline:
            busy, text = await self.page.evaluate(
                "(sel) => [document.querySelector(sel) !== null, document.body ? document.body.innerText : '']", BUSY)
            now = time.monotonic()
            if busy or text != last or not text:
                last, stable_since = text, now
            elif now - stable_since >= settle:
                return stable_since - started, text
            await asyncio.sleep(0.2)
        return None, last

    async def _observe(self, started: float, name: str) -> Outcome:
        seconds, text = await self.wait_idle(started)
        errors = self.pending_errors()
        if seconds is None:
            errors.append(f"not idle after {self.args.page_timeout:g} s")
        boxes = await self.page.locator(ERROR_BOXES).all_inner_texts()
        errors += [f"error box: {b[:300]}" for b in boxes]
        match = VERSION_CAPTION.search(text or "")
        js_errors, self.js_pending = self.js_pending, []
        if errors and self.args.screenshots:
            out = Path(self.args.out) / "load-errors"
            out.mkdir(parents=True, exist_ok=True)
            await self.page.screenshot(path=str(out / f"s{self.number:02d}-{len(self.views)}-{name or 'home'}.png"))
        return Outcome(seconds if seconds is not None else self.args.page_timeout, match[0] if match else None,
                       errors, js_errors)

    async def visit(self, path: str, township: str, as_of: str) -> Outcome:
        """A new browser visit of a URL with the filters; signs in when asked."""
        url = f"{self.base}/{path}?{urlencode({'township': township, 'as_of': as_of})}"
        started = time.monotonic()
        page, timeout = self.page, self.args.page_timeout * 1000
        await page.goto(url, wait_until="domcontentloaded", timeout=timeout)
        await page.wait_for_selector("input[aria-label='用户名'], [data-testid=stSidebar] button:has-text('退出登录')",
                                     timeout=timeout)
        if await page.get_by_label("用户名").count():
            await page.get_by_label("用户名").fill(self.account[0])
            await page.get_by_label("密码").fill(PASSWORD)
            await page.get_by_role("button", name="登录").click()
            await page.get_by_role("button", name="退出登录").wait_for(timeout=timeout)
            self._signed_in()
        return await self._observe(started, path)

    async def follow(self, path: str) -> Outcome | None:
        """Follow the sidebar link to `path` within the same session (None: no such link for this role)."""
        link = self.page.locator(f"[data-testid=stSidebarNav] a[href$='/{path}']")
        if not await link.count():
            more = self.page.locator("[data-testid=stSidebarNavViewButton]")
            if await more.count():
                await more.first.click()
        if not await link.count():
            return None
        started = time.monotonic()
        await link.first.click()
        return await self._observe(started, path)


def client_browser(nice: int) -> str:
    """Chromium at a lower CPU priority: the users' browsers run on their own machines, not on the server's
    two cores, so the simulated ones must not take the server's CPU (0 = same priority as the server)."""
    if nice <= 0:
        return CHROMIUM
    wrapper = Path(tempfile.gettempdir()) / f"load-test-chromium-nice{nice}.sh"
    wrapper.write_text(f'#!/bin/sh\nexec nice -n {nice} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


# -- publishing a new version while the load runs -----------------------------------------------------------

@dataclass
class Publish:
    started: float | None = None
    finished: float | None = None
    returncode: int | None = None
    output: str = ""
    version: str | None = None


def prepare_export(spec: str, households: int, workdir: Path) -> Path:
    """`auto`: the demo county again with another seed (every table changes); else a path to an export."""
    if spec != "auto":
        return Path(spec)
    from ingest.demo import write_demo

    target = workdir / "export"
    write_demo(target, seed=2021, households=households)
    return target


async def publish_at(delay: float, export: Path, db: Path, t0: float, record: Publish, app_dir: Path,
                     nice: int = 0) -> None:
    await asyncio.sleep(delay)
    record.started = round(time.monotonic() - t0, 2)
    proc = await asyncio.create_subprocess_exec(
        *(["nice", "-n", str(nice)] if nice else []),
        sys.executable, "-m", "ingest", "load", str(export), "--db", str(db), "--user", "load_test",
        cwd=app_dir, env={**os.environ, "PYTHONPATH": str(app_dir)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    record.finished = round(time.monotonic() - t0, 2)
    record.returncode = proc.returncode
    record.output = out.decode("utf-8", "replace")[-2000:]
    from ingest import publish

    served = publish.current(db)
    record.version = version_label.of_version(served) if served else None  # as the page tags it


# -- the run ------------------------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]  # nearest rank


def summarise(views: list[View], samples, publish: Publish | None, args, version_before: str | None) -> dict:
    times = [v.seconds for v in views if not v.errors]
    by_page = {}
    for name in ["home", *PAGES[1:]]:
        page_times = [v.seconds for v in views if v.page == name and not v.errors]
        by_page[name] = {"views": sum(v.page == name for v in views), "p50": percentile(page_times, 50),
                         "p95": percentile(page_times, 95), "max": max(page_times, default=None)}
    errors = [asdict(v) for v in views if v.errors]
    rss = [s[1] for s in samples]
    result = {
        "label": args.label, "client": getattr(args, "client", "browser"), "db": str(args.db),
        "sessions": args.sessions, "duration_s": args.duration,
        "think_s": list(args.think), "settle_ms": args.settle_ms, "ramp_s": args.ramp,
        "load_average_end": os.getloadavg(), "views": len(views), "errors": len(errors),
        "js_errors": sorted({e for v in views for e in v.js_errors}),
        "views_with_js_errors": {name: sum(1 for v in views if v.page == name and v.js_errors)
                                 for name in ["home", *PAGES[1:]] if any(v.page == name and v.js_errors for v in views)},
        "p50_s": percentile(times, 50), "p95_s": percentile(times, 95), "max_s": max(times, default=None),
        "p95_url_s": percentile([v.seconds for v in views if v.how == "url" and not v.errors], 95),
        "p95_nav_s": percentile([v.seconds for v in views if v.how == "nav" and not v.errors], 95),
        "by_page": by_page,
        "rss_mb": {"start": rss[0] if rss else None, "peak": max(rss, default=None), "end": rss[-1] if rss else None,
                   "peak_with_all_sessions": max((s[1] for s in samples if s[2] >= args.sessions), default=None)},
        "error_views": errors[:50],
    }
    if publish is not None and publish.started is not None:
        after = [v for v in views if publish.finished is not None and v.started > publish.finished + 0.5]
        sessions_after = {v.session for v in after}
        stale = [asdict(v) for v in after if v.version != publish.version]
        during = [v for v in views if publish.started <= v.started <= (publish.finished or 1e9)]
        result["publish"] = {
            **asdict(publish), "version_before": version_before, "nice": getattr(args, "publish_nice", 0),
            "views_during_publish": len(during), "errors_during_publish": sum(bool(v.errors) for v in during),
            "views_after": len(after), "sessions_after": len(sessions_after),
            "views_after_with_new_version": len(after) - len(stale), "stale_views_after": stale[:20],
            "sessions_that_saw_new_version": len({v.session for v in after if v.version == publish.version}),
        }
    return result


def render(result: dict) -> str:
    fmt = lambda x: "—" if x is None else f"{x:.2f}"  # noqa: E731
    lines = [
        f"# Load test {result['label']}: {result['sessions']} sessions, {result['duration_s']} s",
        "",
        f"database `{result['db']}`; think time {result['think_s'][0]:g}–{result['think_s'][1]:g} s; "
        + (f"browser client: page time until no status widget and text unchanged for {result['settle_ms']} ms; "
           if result["client"] == "browser" else
           "websocket protocol client: page time from the request until the server finished the run; ")
        + f"load average at the end {', '.join(f'{x:.1f}' for x in result['load_average_end'])}",
        "",
        f"- views: {result['views']}, **errors: {result['errors']}**",
        f"- page time p50 {fmt(result['p50_s'])} s, **p95 {fmt(result['p95_s'])} s**, max {fmt(result['max_s'])} s "
        f"(new visit of a URL incl. sign-in p95 {fmt(result['p95_url_s'])} s; sidebar navigation p95 "
        f"{fmt(result['p95_nav_s'])} s)",
        f"- uncaught JS errors (not counted above; by page): {result['views_with_js_errors'] or 'none'} "
        f"{'; '.join(result['js_errors'][:3])}",
        f"- server RSS: start {fmt(result['rss_mb']['start'])} MB, after warm-up "
        f"{fmt(result['rss_mb'].get('after_warmup'))} MB, peak {fmt(result['rss_mb']['peak'])} MB, "
        f"end {fmt(result['rss_mb']['end'])} MB, after the sessions closed "
        f"{fmt(result['rss_mb'].get('after_sessions_closed'))} MB",
        "",
        "| page | views | p50 s | p95 s | max s |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, row in result["by_page"].items():
        lines.append(f"| {name} | {row['views']} | {fmt(row['p50'])} | {fmt(row['p95'])} | {fmt(row['max'])} |")
    if "publish" in result:
        p = result["publish"]
        niced = f" at nice {p['nice']}" if p.get("nice") else ""
        lines += ["", f"Published during the load: `ingest load`{niced} from {p['started']} s to {p['finished']} s "
                      f"(exit {p['returncode']}), {p['version_before']} → {p['version']}; "
                      f"{p['views_during_publish']} views during it with {p['errors_during_publish']} errors; "
                      f"after it {p['views_after_with_new_version']} of {p['views_after']} views showed the new "
                      f"version; {p['sessions_that_saw_new_version']} of {p['sessions_after']} sessions saw it."]
    if result["error_views"]:
        lines += ["", "Errors (first 10):"]
        for view in result["error_views"][:10]:
            lines.append(f"- session {view['session']} {view['page']} ({view['how']}): {'; '.join(view['errors'])[:400]}")
    return "\n".join(lines) + "\n"


async def drive(args, base: str, sampler: RssSampler | None, townships, dates, households: int) -> dict:
    from ingest import publish as publish_module

    served = publish_module.current(Path(args.db))
    version_before = version_label.of_version(served) if served else None
    if args.client == "browser":
        from playwright.async_api import async_playwright

        playwright = await async_playwright().start()
        browser = await playwright.chromium.launch(executable_path=client_browser(args.client_nice), args=CHROMIUM_ARGS)
        make = lambda *a: BrowserSession(*a, browser=browser)  # noqa: E731
    else:
        playwright = browser = None
        make = ProtocolSession
    try:
        with tempfile.TemporaryDirectory(prefix="warroom-load-") as tmp:
            # Written before any session starts: writing a county's export takes the client's loop for a while.
            export = prepare_export(args.publish_during, households, Path(tmp)) if args.publish_during else None
            if args.warmup:  # a server that has been up since morning: imports done, first queries cached
                # one warm-up session per server process (nginx hands each new connection to the next one)
                warm = [make(-1, base, time.monotonic(), args, townships[:1], dates[:1], None)
                        for _ in range(args.warm_sessions)]
                await asyncio.gather(*(w.run(time.monotonic() + 300, rounds=1, think=(0.0, 0.0)) for w in warm))
                if any(v.errors for w in warm for v in w.views):
                    print("warm-up errors:", [v.errors for w in warm for v in w.views if v.errors], file=sys.stderr)
            if sampler is not None:
                sampler.warm_rss = sampler.total()
            t0 = time.monotonic()
            stop_at = t0 + args.duration
            sessions = [make(i, base, t0, args, townships, dates, sampler) for i in range(args.sessions)]
            tasks = [asyncio.create_task(s.run(stop_at)) for s in sessions]
            record = None
            if export is not None:
                record = Publish()
                delay = max(0.0, args.publish_at * args.duration - (time.monotonic() - t0))
                tasks.append(asyncio.create_task(publish_at(delay, export, Path(args.db), t0, record, args.app_dir,
                                                             args.publish_nice)))
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=args.duration + 4 * args.page_timeout + 600)
    finally:
        if browser is not None:
            await browser.close()
            await playwright.stop()
    views = [v for s in sessions for v in s.views]
    result = summarise(views, sampler.samples if sampler else [], record, args, version_before)
    result["views_raw"] = [asdict(v) for v in views]
    result["rss_samples"] = sampler.samples if sampler else []
    result["rss_mb"]["after_warmup"] = sampler.warm_rss if sampler else None
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="logical database (symlink-managed) to serve")
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--duration", type=float, default=240, help="seconds; sessions stop after their current view")
    parser.add_argument("--ramp", type=float, default=60, help="seconds over which the sessions arrive")
    parser.add_argument("--think", type=float, nargs=2, default=(3.0, 10.0), metavar=("MIN", "MAX"),
                        help="seconds a user looks at a page before the next click")
    parser.add_argument("--client", choices=("protocol", "browser"), default="protocol",
                        help="protocol: Streamlit's websocket protocol, the server's work only (default); "
                             "browser: headless Chromium contexts on this machine, rendering included")
    parser.add_argument("--settle-ms", type=int, default=1000, help="browser: quiet time that counts as idle")
    parser.add_argument("--client-nice", type=int, default=10,
                        help="browser: nice level of the simulated browsers (0: compete with the server for CPU)")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="measure from a cold server (first imports and queries included)")
    parser.add_argument("--warm-sessions", type=int, default=1,
                        help="warm-up sessions run at once (one per server process behind nginx)")
    parser.add_argument("--page-timeout", type=float, default=60)
    parser.add_argument("--publish-during", default=None,
                        help="an export to `ingest load` into --db during the run, or `auto` (demo, seed 2021)")
    parser.add_argument("--publish-at", type=float, default=0.4, help="fraction of --duration when to publish")
    parser.add_argument("--publish-nice", type=int, default=0,
                        help="run the publish at this nice level (deploy/README.md: a province-sized import runs "
                             "as a background job, `nice -n 10`, so that the views keep the cores)")
    parser.add_argument("--url", default=None, help="use a running server instead of starting one (no RSS)")
    parser.add_argument("--server-pid", type=int, nargs="+", default=None,
                        help="with --url: the server's pid(s), for RSS (summed: e.g. two processes behind nginx)")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--label", default=None)
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="the source tree to serve and import with (default: this one); e.g. a fixed "
                             "snapshot while others edit the work tree")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--screenshots", action="store_true", help="save a screenshot of each view with an error")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the server it starts (e.g. WARROOM_QUERY_TIMEOUT=10)")
    args = parser.parse_args(argv)
    args.label = args.label or f"{args.db.parent.name}-{args.client}"
    if args.url and urlparse(args.url).hostname not in LOCAL_HOSTS:
        parser.error("the load test only talks to a server on this machine (127.0.0.1)")

    townships, dates, households = filter_choices(args.db)
    ensure_accounts(args.db, townships[0])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    server = None
    pids = args.server_pid or []
    base = args.url
    if base is None:
        port = args.port or free_port()
        server = start_server(args.db, port, out / f"load-{args.label}-{stamp}-server.log",
                              dict(kv.split("=", 1) for kv in args.server_env), args.app_dir)
        pids, base = [server.pid], f"http://127.0.0.1:{port}"
    sampler = RssSampler(pids) if pids else None
    try:
        if sampler:
            sampler.start()
        result = asyncio.run(drive(args, base.rstrip("/"), sampler, townships, dates, households))
        if sampler:
            time.sleep(2)  # after the sessions closed
            sampler.stop()
            result["rss_mb"]["after_sessions_closed"] = sampler.samples[-1][1] if sampler.samples else None
    finally:
        if sampler and sampler.is_alive():
            sampler.stop()
        if server is not None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
    base_name = out / f"load-{args.label}-{args.sessions}s-{stamp}"
    base_name.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    report = render(result)
    base_name.with_suffix(".md").write_text(report, encoding="utf-8")
    print(report)
    print(f"written: {base_name}.json / .md")
    return 0 if result["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
