"""A server without Chromium or the CJK fonts (they cannot travel in the offline bundle) says which export is
unavailable and which package brings it, instead of failing on the click (issue 19 §1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pptx import Presentation

from exports import brief_pdf, capabilities


def _downloads(at) -> list[str]:
    return [e.proto.label for e in at.get("download_button")]


def _infos(at) -> str:
    return "\n".join(str(e.value) for e in at.info)


@pytest.fixture
def no_chromium(monkeypatch):
    monkeypatch.setattr(capabilities, "chromium_path", lambda: None)


@pytest.fixture
def no_fonts(monkeypatch, tmp_path):
    monkeypatch.setattr(brief_pdf, "REQUIRED_FONTS", (tmp_path / "NotoSerifCJK-Regular.ttc",))


def test_this_machine_has_what_the_exports_need():
    assert capabilities.chromium_path() and capabilities.map_images_unavailable() is None
    assert capabilities.brief_pdf_unavailable() is None


def test_map_page_without_chromium_names_the_package_instead_of_offering_the_pictures(app_page, no_chromium):
    at = app_page("pages/battle_map.py")
    assert not at.exception
    assert not {"下载地图 PNG", "下载 A3 打印版 PDF"} & set(_downloads(at))
    assert "Chromium" in _infos(at) and "apt install chromium" in _infos(at)


def test_map_page_with_chromium_offers_the_pictures(app_page):
    at = app_page("pages/battle_map.py")
    assert {"下载地图 PNG", "下载 A3 打印版 PDF"} <= set(_downloads(at))


def test_weekly_page_without_fonts_offers_word_and_says_why_not_pdf(app_page, no_fonts):
    at = app_page("pages/weekly.py")
    assert not at.exception
    labels = _downloads(at)
    assert "周调度通报 Word" in labels and "周调度通报 PDF" not in labels
    assert "fonts-noto-cjk" in _infos(at)


def test_brief_command_without_fonts_refuses_pdf_with_the_package_name(demo_db, tmp_path, no_fonts, capsys):
    from exports.__main__ import main

    code = main(["brief", "--db", str(demo_db), "--as-of", "2020-11-16", "--out", str(tmp_path), "--format", "pdf"])
    assert code == 2 and "fonts-noto-cjk" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    assert main(["brief", "--db", str(demo_db), "--as-of", "2020-11-16", "--out", str(tmp_path),
                 "--format", "docx"]) == 0


def test_deck_without_chromium_says_so_on_the_map_slides(demo_db, tmp_path, no_chromium, capsys):
    from exports.__main__ import main

    assert main(["deck", "--db", str(demo_db), "--quarter", "2020Q3", "--out", str(tmp_path)]) == 0
    assert "Chromium" in capsys.readouterr().err
    (deck,) = Path(tmp_path).glob("*.pptx")
    texts = [shape.text_frame.text for slide in Presentation(deck).slides for shape in slide.shapes
             if shape.has_text_frame]
    assert capabilities.NO_MAP_PICTURES in texts
    assert not any(shape.shape_type == 13 for slide in Presentation(deck).slides for shape in slide.shapes), \
        "no picture"
