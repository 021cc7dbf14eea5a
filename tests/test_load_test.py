"""bench/load_test.py's bookkeeping: percentiles, errors, and whether every session saw a publish."""

from __future__ import annotations

import argparse

import pytest

from bench import load_test
from bench.load_test import Publish, View, percentile, summarise
from queries import version_label


def _args(**kw):
    base = dict(label="t", db="/tmp/x/county.duckdb", sessions=2, duration=60, think=(1.0, 2.0), settle_ms=1000,
                ramp=0)
    return argparse.Namespace(**{**base, **kw})


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 21)]  # 1..20
    assert percentile(values, 95) == 19.0  # rank ceil(0.95 * 20) = 19
    assert percentile(values, 50) == 10.0
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 95) is None


def test_views_with_errors_count_as_errors_and_not_in_the_times():
    views = [
        View(0, 0, "home", "ALL", "2020-11-16", "url", 1.0, 2.0, "a.duckdb"),
        View(0, 0, "funds", "ALL", "2020-11-16", "nav", 5.0, 1.0, "a.duckdb"),
        View(1, 0, "funds", "ALL", "2020-11-16", "nav", 6.0, 60.0, "a.duckdb", ["not idle after 60 s"]),
        View(1, 0, "ranking", "ALL", "2020-11-16", "nav", 7.0, 0.5, "a.duckdb", [], ["JS error: Map error."]),
    ]
    result = summarise(views, [(0.0, 100.0, 0), (1.0, 180.0, 2)], None, _args(), "a.duckdb")
    assert result["errors"] == 1
    assert result["max_s"] == 2.0, "a failed view's time is not a page time"
    assert result["by_page"]["funds"] == {"views": 2, "p50": 1.0, "p95": 1.0, "max": 1.0}
    assert result["views_with_js_errors"] == {"ranking": 1}
    assert result["rss_mb"]["peak"] == 180.0 and result["rss_mb"]["peak_with_all_sessions"] == 180.0


def test_publish_check_flags_a_view_that_still_shows_the_old_version():
    publish = Publish(started=10.0, finished=14.0, returncode=0, version="b.duckdb")
    views = [
        View(0, 0, "home", "ALL", "d", "url", 2.0, 1.0, "a.duckdb"),
        View(0, 0, "funds", "ALL", "d", "nav", 12.0, 1.0, "a.duckdb"),    # during the publish: either is fine
        View(0, 0, "ranking", "ALL", "d", "nav", 20.0, 1.0, "b.duckdb"),
        View(1, 0, "ranking", "ALL", "d", "nav", 21.0, 1.0, "a.duckdb"),  # after it, still the old one
    ]
    result = summarise(views, [], publish, _args(), "a.duckdb")["publish"]
    assert result["views_during_publish"] == 1
    assert result["views_after"] == 2 and result["views_after_with_new_version"] == 1
    assert result["sessions_that_saw_new_version"] == 1 and result["sessions_after"] == 2
    assert [v["session"] for v in result["stale_views_after"]] == [1]


def test_refuses_a_server_that_is_not_on_this_machine(tmp_path):
    with pytest.raises(SystemExit):
        load_test.main(["--db", str(tmp_path / "county.duckdb"), "--url", "http://10.0.0.5:8501"])


@pytest.mark.browser  # needs the real server, as the browser tests do
def test_protocol_client_signs_in_and_follows_the_sidebar(server, demo_db):
    """The load test's browserless client against the real app: the form, the sign-in, a page per link,
    and what the pages show (the served version's caption, no error box)."""
    import asyncio

    from bench.protocol_client import ProtocolTab
    from ingest import publish

    async def visit():
        tab = ProtocolTab(server, timeout=60)
        try:
            form = await tab.open("ranking", "township=ALL")
            assert set(form.inputs) == {"用户名", "密码"} and "退出登录" not in form.buttons
            wrong = await tab.submit(form, {"用户名": "secretary", "密码": "not-the-password"}, "登录")
            assert any("用户名或密码错误" in e for e in wrong.errors)
            signed = await tab.submit(wrong, {"用户名": "secretary", "密码": "demo"}, "登录")
            if "登录成功" in signed.text:
                signed = await tab.rerun()
            assert "退出登录" in signed.buttons and "综合排名" in signed.text
            assert {"", "ranking", "funds", "weekly"} <= set(tab.pages)
            funds = await tab.navigate("funds")
            assert await tab.navigate("no-such-page") is None
            return signed, funds
        finally:
            await tab.close()

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # a loop of its own: the browser tests' sync Playwright runs one here
        signed, funds = pool.submit(asyncio.run, visit()).result()
    assert not signed.errors and not funds.errors
    # the served version, as the page tags it and the load test reads it (not its file name)
    assert load_test.VERSION_CAPTION.search(funds.text)[0] == version_label.of_version(publish.current(demo_db))
    assert "综合排名" not in funds.text  # the run that finished is the 资金 page's
