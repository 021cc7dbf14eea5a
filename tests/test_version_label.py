"""The sidebar's name for the served version (queries/version_label.py): the data date and publish time a county
secretary reads, never the version's file name; `ingest versions` lists the same tag beside each file."""

from __future__ import annotations

import datetime as dt

from ingest import publish
from queries import version_label
from tests.conftest import ROOT, run_cli


def test_caption_in_chinese_dates_with_the_demo_marker():
    published = dt.datetime(2026, 11, 29, 14, 5, 7)
    assert version_label.caption(dt.date(2020, 11, 16), 3, published, demo=True) == \
        "数据截止 2020年11月16日（演示县）  \n第 3 版 · 2026年11月29日 14:05:07 发布"
    assert version_label.caption(dt.date(2020, 1, 5), 12, published, demo=False).startswith("数据截止 2020年1月5日  \n")
    assert version_label.TAG.fullmatch(version_label.tag(3, published))
    assert version_label.caption(dt.date(2020, 11, 16), None, None, demo=False) == "数据截止 2020年11月16日"


def test_each_import_is_a_new_numbered_version_and_versions_lists_the_tags(tiny_db, tmp_path):
    first = publish.current(tiny_db)
    run_cli("ingest", "load", str(ROOT / "tests" / "fixtures" / "tiny"), "--db", str(tiny_db))
    second = publish.current(tiny_db)
    tags = version_label.of_version(first), version_label.of_version(second)
    assert tags[0].startswith("第 1 版 · ") and tags[1].startswith("第 2 版 · ")
    listed = run_cli("ingest", "versions", "--db", str(tiny_db)).stdout.splitlines()
    assert listed == [f"  {first.name}  {tags[0]}", f"* {second.name}  {tags[1]}"]
