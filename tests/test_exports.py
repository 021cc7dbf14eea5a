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
from exports import brief_docx, brief_pdf
from exports.brief import build_brief
from exports.deck_pptx import MAP_PLACEHOLDER, DeckInput, build_deck
from exports.supervision import supervision_items

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
def brief(demo_frames):
    f = demo_frames
    now, before = with_county(f["raw_now"]), with_county(f["raw_before"])
    comparison = weekly_views.week_comparison(weekly_views.area_row(now, "ALL", f["idle_now"], f["as_of"]),
                                              weekly_views.area_row(before, "ALL", f["idle_before"], f["week_ago"]))
    ranked = (ranking_charts.rank_changes(now, before, before)
              .join(f["leaders"].select("township_code", "county_leader"), on="township_code")
              .join(ranking_weights.weakest_indicator(ranking_weights.contributions(now, WEIGHTS)), on="township_code"))
    items = supervision_items(now, f["overdue"], f["idle_now"], f["leaders"])
    return build_brief(f["as_of"], f["week_ago"], "全县", comparison, ranked,
                       weekly_views.lagging_townships(now, f["leaders"]), items)


def test_brief_content_is_built_from_the_frames(brief, demo_frames):
    assert brief.title == "脱贫攻坚周调度简报（全县）"
    assert brief.subtitle == "数据截止 2020年11月16日，与上周（11月09日）对比"
    assert [k[0] for k in brief.kpis][:3] == ["本年累计脱贫人数", "贫困人口", "贫困发生率"]
    assert len(brief.ranking) == 16 and brief.ranking[0][0] == "1"
    assert 0 < len(brief.items) <= 12
    lagging = demo_frames["raw_now"].filter((pl.col("township_code") != "ALL") & pl.col("lagging"))
    assert {row[0] for row in brief.lagging} == set(lagging["township_name"])


def test_brief_pdf_is_a4_with_chinese_text_and_embedded_font(brief, tmp_path):
    from pypdf import PdfReader

    data = brief_pdf.render(brief)
    reader = PdfReader(io.BytesIO(data))
    assert 1 <= len(reader.pages) <= 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    # pypdf 7.1 reads fpdf2's embedded CFF CID encoding with a NUL before each character (poppler's
    # pdftotext reads it cleanly); drop the NULs rather than trust one extractor.
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    for expected in ("脱贫攻坚周调度简报", "全县主要指标", "督办事项", "任务进度滞后乡镇", "乡镇综合排名",
                     brief.items[0][2][:8], brief.ranking[0][1]):
        assert expected in text
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), "font not embedded"
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("NotoSansCJKSC" in name for name in fonts)
    if shutil.which("pdftoppm"):  # render as a person would see it (tests/screenshots for a look)
        pdf = tmp_path / "brief.pdf"
        pdf.write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")], check=True)
        assert (tmp_path / "page-1.png").stat().st_size > 10_000
        plain = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "脱贫攻坚周调度简报（全县）" in plain


def test_brief_docx_has_the_four_sections_and_tables(brief):
    from docx import Document

    doc = Document(io.BytesIO(brief_docx.render(brief)))
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == brief.title
    for heading in ("一、全县主要指标", "二、督办事项", "三、任务进度滞后乡镇", "四、乡镇综合排名"):
        assert heading in paragraphs
    kpi, items, lagging, ranking = doc.tables
    assert [c.text for c in kpi.rows[0].cells] == ["指标", "上周", "本周", "变化"]
    assert len(ranking.rows) == 1 + 16
    assert items.rows[1].cells[2].text == brief.items[0][2]
    assert round(doc.sections[0].page_width.cm, 1) == 21.0 and round(doc.sections[0].page_height.cm, 1) == 29.7


def test_brief_without_items_or_lagging_says_so(brief):
    from docx import Document
    from pypdf import PdfReader

    calm = type(brief)(brief.title, brief.subtitle, brief.kpis, brief.ranking, [], [])
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(brief_pdf.render(calm))).pages).replace("\x00", "")
    assert "本周没有生成督办事项" in text and "没有乡镇的年度减贫任务进度落后于时间进度" in text
    doc = Document(io.BytesIO(brief_docx.render(calm)))
    assert "本周没有生成督办事项。" in [p.text for p in doc.paragraphs]


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
    assert titles == ["2020年第三季度脱贫攻坚讲评", "全县主要指标", "挂图作战：各乡镇贫困发生率", "一升一降",
                      "资金下达与支出（本年度项目，万元）", "本年度项目进展（个）", "乡镇综合排名"]
    charts = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) == 6
    assert not [sh for s in prs.slides for sh in s.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
    ranking = [sh.chart for sh in prs.slides[6].shapes if sh.has_chart][0]
    towns = deck_input.ranked.sort("rank")
    assert list(ranking.plots[0].categories) == [f"{r}. {n}" for r, n in zip(towns["rank"], towns["township_name"])]
    assert list(ranking.plots[0].series[0].values) == pytest.approx(towns["score"].round(1).to_list())
    funds = [sh.chart for sh in prs.slides[4].shapes if sh.has_chart][0]
    assert [s.name for s in funds.plots[0].series] == ["下达", "支出"]
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
    assert len(prs.slides) == 9
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
