"""Every 挂图作战 slide of the deck shows the map coloured by the indicator its title names.

The deck once titled a slide 贫困发生率 over a map coloured by 年度目标进度. Here the title is read back from
the .pptx, the indicator it names is looked up, and the slide's picture is compared pixel by pixel with the
map rendered for that indicator (kaleido PNGs are not byte-identical between renders, so pixels are compared).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess

import pytest
from PIL import Image, ImageChops, ImageStat

from components.map_figures import MAP_METRICS
from exports.deck_pptx import MAP_SLIDES, map_image
from queries.metrics import METRICS
from tests.conftest import run_cli



def pixel_difference(a: bytes, b: bytes) -> float:
    """Mean absolute difference over R, G and B (0 = same picture, 0..765)."""
    x, y = (Image.open(io.BytesIO(p)).convert("RGB") for p in (a, b))
    if x.size != y.size:
        return float("inf")
    return sum(ImageStat.Stat(ImageChops.difference(x, y)).mean)


def titled_indicator(title: str) -> str:
    """The one map indicator whose name the title carries."""
    named = [k for k in MAP_METRICS if METRICS[k].label in title]
    assert len(named) == 1, f"map slide title {title!r} should name exactly one indicator, names {named}"
    return named[0]


def map_slides(prs) -> list[tuple[str, bytes]]:
    """(title, picture bytes) of each slide that holds the map picture."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    out = []
    for slide in prs.slides:
        pictures = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        if slide.shapes.title is not None and slide.shapes.title.text.startswith("挂图作战"):
            assert len(pictures) == 1, f"{slide.shapes.title.text}: expected one map picture"
            out.append((slide.shapes.title.text, pictures[0].image.blob))
    return out


def test_every_map_slide_title_names_its_own_indicator():
    for key, title in MAP_SLIDES.items():
        assert titled_indicator(title) == key


@pytest.fixture(scope="module")
def cli_deck(demo_db, tmp_path_factory):
    """The deck as `python -m exports deck` writes it (the demo county has township boundaries)."""
    from pptx import Presentation

    out = tmp_path_factory.mktemp("deck")
    run_cli("exports", "deck", "--db", str(demo_db), "--quarter", "2020Q3", "--out", str(out),
            "--meeting-date", "2020-10-12")
    path = out / "季讲评_2020Q3.pptx"
    return path, Presentation(path)


def test_map_slide_picture_is_the_map_of_the_titled_indicator(cli_deck, demo_db):
    from queries.indicators import township_indicators
    from queries.runner import Database

    _, prs = cli_deck
    with Database.open(demo_db) as db:
        now, boundaries = township_indicators(db, dt.date(2020, 9, 30)), db.run("map_boundaries")
    assert boundaries.height, "the demo county has township boundaries"
    slides = map_slides(prs)
    assert [t for t, _ in slides] == list(MAP_SLIDES.values())
    for title, picture in slides:
        key = titled_indicator(title)
        reference = map_image(now, boundaries, key)
        assert pixel_difference(picture, reference) < 1.0, f"{title}: picture is not the {key} map"


def test_deck_from_the_command_is_the_meeting_deck(cli_deck):
    _, prs = cli_deck
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[0] == "演示县2020年第三季度脱贫攻坚讲评"
    subtitle = prs.slides[0].placeholders[1].text_frame.text
    assert "数据截止 2020年9月30日" in subtitle and "讲评会 2020年10月12日" in subtitle
    assert titles[-3:] == ["年底进度：按近四周速度能否完成年度减贫计划", "问题清单", "下季度安排"]
    pace = [sh.table for sh in prs.slides[len(titles) - 3].shapes if sh.has_table][0]
    assert [c.text for c in pace.rows[0].cells] == ["乡镇", "还需脱贫（人）", "每周需（人）", "近四周每周（人）", "研判"]
    assert all(re.match(r"按当前进度(预计 \d+ 月 \d+ 日完成|年底差 [\d,]+ 人)", r.cells[4].text) for r in
               list(pace.rows)[1:])


def test_deck_renders_in_libreoffice(cli_deck, tmp_path):
    path, prs = cli_deck
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=300)
    pdf = tmp_path / "季讲评_2020Q3.pdf"
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "s")], check=True)
    pages = sorted(tmp_path.glob("s-*.png"))
    assert len(pages) == len(prs.slides) and all(p.stat().st_size > 3_000 for p in pages)
