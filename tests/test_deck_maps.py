"""Every 挂图作战 slide of the deck shows the map coloured by the indicator its title names.

The deck once titled a slide 贫困发生率 over a map coloured by 年度目标进度. Here the title is read back from
the .pptx, the indicator it names is looked up, and the slide's picture is compared pixel by pixel with the
map rendered for that indicator (kaleido PNGs are not byte-identical between renders, so pixels are compared).
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image, ImageChops, ImageStat

from components.map_figures import MAP_METRICS
from exports.deck_pptx import MAP_SLIDES, map_image
from queries.metrics import METRICS

WEIGHTS = {"incidence_drop_pp": 25, "income_growth_pct": 20, "target_progress_pct": 20, "completion_pct": 20,
           "balance_rate_pct": 15}


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
def quarter_frames(demo_db):
    from queries.indicators import township_indicators
    from queries.runner import Database

    with Database.open(demo_db) as db:
        return (township_indicators(db, dt.date(2020, 9, 30)), township_indicators(db, dt.date(2020, 6, 30)),
                db.run("townships"), db.run("map_boundaries"))


def test_map_slide_picture_is_the_map_of_the_titled_indicator(quarter_frames, tmp_path):
    from pptx import Presentation

    from exports import deck_pptx
    from exports.assemble import deck_input

    now, start, leaders, boundaries = quarter_frames
    assert boundaries.height, "the demo county has township boundaries"
    deck = deck_input("2020年第三季度", dt.date(2020, 9, 30), dt.date(2020, 6, 30), now, start, leaders, WEIGHTS, 9.0)
    prs = Presentation(io.BytesIO(deck_pptx.build_deck(deck, maps=deck_pptx.map_images(now, boundaries))))
    slides = map_slides(prs)
    assert [t for t, _ in slides] == list(MAP_SLIDES.values())
    for title, picture in slides:
        key = titled_indicator(title)
        reference = map_image(now, boundaries, key)
        assert pixel_difference(picture, reference) < 1.0, f"{title}: picture is not the {key} map"
