"""What the sidebar calls the served data version: its data date and when it was published, never a file name.

`county.20261129T140507….duckdb` means nothing to a county secretary (and its 2026 stamp sits oddly beside 2020
data). The caption says what the data is as of and when the data office published it; its second line, the
version tag (第 N 版 in the import history · publish time to the second), also tells versions apart for the tests
and the load test (bench/load_test.py), which read it from the page.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

# The tag as the page shows it: bench/load_test.py and the tests find the served version with this.
TAG = re.compile(r"第 \d+ 版 · \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}:\d{2} 发布")


def tag(number: int | None, published_at: dt.datetime | None) -> str:
    """第 3 版 · 2026年11月29日 14:05:07 发布 (empty for a version without an import history)."""
    if number is None or published_at is None:
        return ""
    return f"第 {number} 版 · {published_at:%Y年%-m月%-d日 %H:%M:%S} 发布"


def caption(as_of: dt.date, number: int | None, published_at: dt.datetime | None, demo: bool) -> str:
    """Two lines for st.caption: the data date (with the demo marker), then the version tag."""
    first = f"数据截止 {as_of:%Y年%-m月%-d日}" + ("（演示县）" if demo else "")
    second = tag(number, published_at)
    return first + (f"  \n{second}" if second else "")


def of_version(version: Path) -> str:
    """The tag of a version file, read-only (tests and the load test compare it with the page's)."""
    from queries.runner import Database

    db = Database(Path(version), timeout=None, use_prepared=False)
    try:
        info = db.run("version_info")
    finally:
        db.close()
    return tag(*info.row(0)) if info.height else ""
