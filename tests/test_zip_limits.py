"""Zip bombs (issue 15 §5): a .zip or .xlsx that unpacks to far more than it weighs is refused from its
central directory, before anything is inflated — in `ingest check` and on the upload path — with bounded memory.

Peak memory is measured in a child process (resource.getrusage in the child), against a child that does the
same imports and checks a tiny valid file: the bomb may not cost more than a small margin above that.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from components.import_views import upload_problem
from ingest.problems import Problems
from ingest.readers import read_export
from ingest.zip_limits import MAX_UNPACKED_BYTES, zip_problem

ROOT = Path(__file__).resolve().parents[1]
BOMB_MB = 256  # unpacked; packed ~2 MB (ratio ~128 at compresslevel 1)
LINE = "4312991010001,张三,430000000000000000,101001,3\n".encode()


def _bomb(path: Path, member: str, megabytes: int = BOMB_MB, prefix: bytes = b"") -> Path:
    """A zip whose one big member is `megabytes` of repeated text, written streaming (constant memory)."""
    block = LINE * (1024 * 1024 // len(LINE) + 1)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        if prefix:
            z.writestr("[Content_Types].xml", prefix)
        with z.open(member, "w", force_zip64=True) as f:
            for _ in range(megabytes):
                f.write(block)
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "zip": _bomb(folder / "导出.zip", "农户.csv"),
        "xlsx": _bomb(folder / "导出.xlsx", "xl/worksheets/sheet1.xml", prefix=b"<Types/>"),
    }


_CHILD = """
import json, resource, sys
from pathlib import Path
mode, path = sys.argv[1], Path(sys.argv[2])
if mode == "cli":
    from ingest.__main__ import main
    code = main(["check", str(path), "--report", str(path.with_suffix(".report.xlsx"))])
    out = {"code": code}
else:  # the 数据导入 page: upload_problem on the uploaded bytes, then ingest's check on the saved file
    from components.import_views import upload_problem
    from ingest.load import check
    problem = upload_problem(path.name, path.read_bytes(), 200)
    out = {"problem": problem}
    if problem is None:
        _, problems, _ = check(path)
        out["messages"] = problems.frame()["message"].to_list()
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT" + json.dumps(out, ensure_ascii=False))
"""


def _child(mode: str, path: Path) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, "-c", _CHILD, mode, str(path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT"))
    return json.loads(line[len("RESULT"):]), done.stdout


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """Peak RSS of the same child on a small valid zip (imports included)."""
    small = tmp_path_factory.mktemp("small") / "项目进度.zip"
    with zipfile.ZipFile(small, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("项目进度.csv", "项目编号,填报日期,形象进度,状态\nP1,2020-05-01,50,在建\n")
    return {mode: _child(mode, small)[0]["peak_mb"] for mode in ("cli", "upload")}


@pytest.mark.parametrize("kind", ["zip", "xlsx"])
def test_cli_check_refuses_a_bomb_with_bounded_memory(bombs, baseline, kind):
    result, stdout = _child("cli", bombs[kind])
    assert result["code"] == 1
    assert "压缩比异常" in stdout and "未解压" in stdout
    assert result["peak_mb"] < baseline["cli"] + 60, (result, baseline)


@pytest.mark.parametrize("kind", ["zip", "xlsx"])
def test_upload_refuses_a_bomb_before_reading_it(bombs, baseline, kind):
    result, _ = _child("upload", bombs[kind])
    assert result["problem"] and "压缩比异常" in result["problem"] and "重新导出" in result["problem"]
    assert result["peak_mb"] < baseline["upload"] + 60, (result, baseline)


def test_total_unpacked_size_is_limited_even_at_a_plausible_ratio(tmp_path, monkeypatch):
    import ingest.zip_limits as limits

    archive = tmp_path / "导出.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as z:  # ratio 1
        z.writestr("农户.csv", b"x" * 3000)
        z.writestr("村.csv", b"y" * 3000)
    assert zip_problem(archive) is None
    monkeypatch.setattr(limits, "MAX_UNPACKED_BYTES", 5000)
    problems = Problems()
    export = read_export(archive, problems)
    frame = problems.frame()
    assert not export.sheets
    assert frame.height == 1 and frame["sheet"][0] == "导出.zip"
    assert "解压后为" in frame["message"][0] and "超过" in frame["message"][0] and "分批导出" in frame["message"][0]
    assert MAX_UNPACKED_BYTES >= 512 * 1024**2  # a real county export (hundreds of MB unpacked) still fits


def test_ordinary_files_pass_the_limits(tmp_path):
    """A real workbook and a real CSV zip are not refused (small members may compress well)."""
    import xlsxwriter

    book = tmp_path / "导出.xlsx"
    with xlsxwriter.Workbook(book) as wb:
        ws = wb.add_worksheet("项目进度")
        for r in range(2000):
            ws.write_row(r, 0, ["P1", "2020-05-01", 50, "在建"])
    assert zip_problem(book) is None
    assert upload_problem(book.name, book.read_bytes(), 200) is None
    assert zip_problem(b"PK\x03\x04 broken", "x.zip") is None  # not a zip: the reader says so
