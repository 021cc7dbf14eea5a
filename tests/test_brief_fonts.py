"""The 周调度通报 DOCX keeps its 公文 look where 仿宋/宋体/黑体 are not installed: with the shipped fontconfig
mapping (deploy/fontconfig, installed by .ci/run and the deploy guide), LibreOffice sets the body in Noto Serif
CJK (a 宋体-style face), not the sans face fontconfig would otherwise pick."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdffonts") is None,
                                reason="needs LibreOffice (libreoffice-writer) and poppler-utils")


def test_libreoffice_sets_the_brief_in_a_serif_face(demo_db, tmp_path):
    mapped = subprocess.run(["fc-match", "仿宋"], capture_output=True, text=True).stdout if shutil.which("fc-match") else ""
    if "Noto Serif CJK" not in mapped:
        pytest.skip("deploy/fontconfig/65-warroom-cjk.conf is not installed on this machine")
    run_cli("exports", "brief", "--db", str(demo_db), "--as-of", "2020-11-16", "--out", str(tmp_path),
            "--format", "docx")
    (docx,) = tmp_path.glob("*.docx")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(docx)], check=True, capture_output=True, timeout=300)
    fonts = subprocess.run(["pdffonts", str(docx.with_suffix(".pdf"))], capture_output=True, text=True).stdout
    assert "NotoSerifCJK" in fonts, fonts
    assert "WenQuanYi" not in fonts and "DejaVu" not in fonts, fonts
