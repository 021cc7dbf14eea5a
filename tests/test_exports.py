"""The weekly brief (PDF, DOCX) and the quarterly deck (PPTX): they open, say the expected things, embed the
Chinese font, and the deck's charts are native charts with the data behind them."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import polars as pl
import pytest

import ranking_weights
from components import ranking_charts, weekly_views
from components.presentation import Quarter
from exports.deck_pptx import MAP_PLACEHOLDER, DeckInput, build_deck

WEIGHTS = {"incidence_drop_pp": 25, "income_growth_pct": 20, "target_progress_pct": 20, "completion_pct": 20,
           "balance_rate_pct": 15}


@pytest.fixture(scope="module")
def demo_frames(demo_db):
    from queries.indicators import township_indicators
    from queries.runner import Database

    with Database.open(demo_db) as db:
        as_of = db.data_as_of()
        week_ago = as_of - dt.timedelta(days=7)
        raw_now, raw_before = township_indicators(db, as_of), township_indicators(db, week_ago)
        leaders = db.run("townships")
        overdue = db.run("weekly_overdue_projects", as_of=as_of, township="ALL")
        idle_now = db.run("weekly_idle_funds", as_of=as_of, township="ALL", idle_days=90, idle_ratio=0.2)
        idle_before = db.run("weekly_idle_funds", as_of=week_ago, township="ALL", idle_days=90, idle_ratio=0.2)
        quarter = Quarter(2020, 3)
        q_now, q_start = township_indicators(db, quarter.end), township_indicators(db, quarter.previous.end)
    return dict(as_of=as_of, week_ago=week_ago, raw_now=raw_now, raw_before=raw_before, leaders=leaders,
                overdue=overdue, idle_now=idle_now, idle_before=idle_before, quarter=quarter, q_now=q_now,
                q_start=q_start)


def with_county(raw: pl.DataFrame) -> pl.DataFrame:
    return pl.concat([ranking_weights.rescore(raw, WEIGHTS), raw.filter(pl.col("township_code") == "ALL")],
                     how="diagonal_relaxed")


@pytest.fixture(scope="module")
def deck_input(demo_frames):
    f = demo_frames
    scored, start = ranking_weights.rescore(f["q_now"], WEIGHTS), ranking_weights.rescore(f["q_start"], WEIGHTS)
    contrib = ranking_weights.contributions(f["q_now"], WEIGHTS)
    ranked = (ranking_charts.rank_changes(scored, start, start)
              .join(f["leaders"].select("township_code", "county_leader"), on="township_code")
              .join(ranking_weights.weakest_indicator(contrib), on="township_code"))
    q = f["quarter"]
    return DeckInput(q.label, q.end, q.previous.end, f["q_now"], f["q_start"], ranked, contrib, 9.0)


def test_deck_has_native_charts_with_the_data_and_chinese_notes(deck_input):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    prs = Presentation(io.BytesIO(build_deck(deck_input)))
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles == ["本县2020年第三季度脱贫攻坚讲评", "全县主要指标", "挂图作战：各乡镇贫困发生率", "一升一降",
                      "资金结余率（本年度项目）", "本年度项目进展（个）", "乡镇综合排名", "问题清单", "下季度安排"]
    charts = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) == 7
    assert not [sh for s in prs.slides for sh in s.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    ranking = [sh.chart for sh in prs.slides[6].shapes if sh.has_chart][0]
    towns = deck_input.ranked.sort("rank")
    assert list(ranking.plots[0].categories) == [f"{r}. {n}" for r, n in zip(towns["rank"], towns["township_name"])]
    assert list(ranking.plots[0].series[0].values) == pytest.approx(towns["score"].round(1).to_list())
    rates, funds = [sh.chart for sh in prs.slides[4].shapes if sh.has_chart]
    assert [s.name for s in funds.plots[0].series] == ["下达", "支出"]
    towns = deck_input.now.filter(pl.col("township_code") != "ALL")
    # per-township 资金结余率, highest first (the number the presenter names)
    values = list(rates.plots[0].series[0].values)
    assert values == sorted(values, reverse=True)
    assert values == pytest.approx(sorted(towns["balance_rate_pct"].fill_null(0).round(1).to_list(), reverse=True))
    # the 一升 chart is sorted and carries the 对照线 at the benchmark
    rise = [sh.chart for sh in prs.slides[3].shapes if sh.has_chart][1]
    assert list(rise.plots[0].series[0].values) == sorted(rise.plots[0].series[0].values, reverse=True)
    assert [sh.name for sh in prs.slides[3].shapes if sh.name.startswith("对照线")] == ["对照线 9%"]
    # slide numbers on every slide but the title; no developer words in the notes
    for n, slide in enumerate(prs.slides, start=1):
        numbers = [sh.text_frame.text for sh in slide.shapes if sh.name == "slide-number"]
        assert numbers == ([] if n == 1 else [f"{n} / {len(prs.slides)}"])
        notes = slide.notes_slide.notes_text_frame.text
        assert not any(word in notes for word in ("DESIGN", ".md", ".py", "python", "sql"))
    kpi = prs.slides[1].shapes
    table = [sh.table for sh in kpi if sh.has_table][0]
    growth_row = [[c.text for c in r.cells] for r in table.rows if r.cells[0].text.startswith("一升")][0]
    assert growth_row[3] == "年度指标（2020年）" and "+0.0" not in growth_row[3]
    projects = [sh.chart for sh in prs.slides[5].shapes if sh.has_chart][0]
    county = deck_input.now.filter(pl.col("township_code") == "ALL").row(0, named=True)
    assert sum(projects.plots[0].series[2].values) == county["overdue_projects"]
    for slide in prs.slides:
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text.strip()
    assert "红榜" in prs.slides[6].notes_slide.notes_text_frame.text
    map_texts = [sh.text_frame.text for sh in prs.slides[2].shapes if sh.has_text_frame]
    assert MAP_PLACEHOLDER in map_texts


def test_deck_adds_one_slide_per_requested_township_and_the_map_picture(deck_input):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    png = _tiny_png()
    prs = Presentation(io.BytesIO(build_deck(deck_input, township_slides=["431299101", "431299112"], maps={"incidence_pct": png})))
    assert len(prs.slides) == 11
    slide = prs.slides[7]
    row = deck_input.ranked.filter(pl.col("township_code") == "431299101").row(0, named=True)
    assert slide.shapes.title.text == f"龙潭乡：综合排名第 {row['rank']} 名，{row['score']:.1f} 分"
    chart = [sh.chart for sh in slide.shapes if sh.has_chart][0]
    earned, lost = (list(s.values) for s in chart.plots[0].series)
    assert sum(earned) == pytest.approx(row["score"], abs=0.3)  # rounded to 0.1 per part
    assert [e + l for e, l in zip(earned, lost)] == pytest.approx([25, 20, 20, 20, 15], abs=0.11)
    assert "李建国" in slide.notes_slide.notes_text_frame.text
    assert [sh for sh in prs.slides[2].shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]


def _tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\xff\xff"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
