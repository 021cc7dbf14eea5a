"""Sheets read and checked two at a time on worker threads (ingest/workers.py) say exactly what checking them one
after another says: the same problems in the same order, the same tables, the same export.

An export of the tiny county with problems planted in several sheets (among them two warnings on one cell from
different checks, whose order in the problem list is the order they were found) is checked three ways: one thing
after another on this thread, on the worker threads, and on the worker threads with each task held back a random
while so that they finish in another order every time.
"""

from __future__ import annotations

import json
import random
import shutil
import time
import zipfile

import polars as pl
import pytest

from ingest import readers, validate, workers
from ingest.load import check
from ingest.problems import ERROR, WARNING, Problems
from ingest.sheets import SHEETS
from tests.ingest_helpers import append_row, copy_tiny, set_cell, write_sheet

SHARED_ID = "522327780312001"  # a 15-digit number (born 1978-03-12) listed in two households


def _flawed_export(folder):
    """The tiny county with a problem in 农户, 家庭成员 (a new sheet), 收入, 项目, 村 and 项目进度, and a boundaries
    file whose one feature names no township (matched beside the cross-sheet checks)."""
    copy_tiny(folder)
    square = [[[110, 27], [110.1, 27], [110.1, 27.1], [110, 27.1], [110, 27]]]
    (folder / "boundaries.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"乡镇代码": "T01"}, "geometry": {"type": "Polygon", "coordinates": square}},
        {"type": "Feature", "properties": {"name": "无名乡"}, "geometry": {"type": "Polygon", "coordinates": square}},
    ]}, ensure_ascii=False), encoding="utf-8")
    set_cell(folder, "农户", 3, "户主身份证号", "522327198211050022")  # check digit: 1 is right
    set_cell(folder, "村", 2, "是否贫困村", "也许")
    set_cell(folder, "项目", 2, "计划开工日期", "2019-13-01")
    append_row(folder, "收入", {"户编号": "H99", "年度": "2019", "人均纯收入": "3000"})
    append_row(folder, "收入", {"户编号": "H01", "年度": "2019", "人均纯收入": "-5"})
    append_row(folder, "项目进度", {"项目编号": "P1901", "填报日期": "2020-03-01", "形象进度": "90", "状态": "已完工"})
    write_sheet(folder, "家庭成员", [
        ["户编号", "姓名", "身份证号", "与户主关系", "健康状况", "劳动技能", "在校生状况"],
        ["H01", "赵一", "522327197803120017", "户主", "健康", "普通劳动力", "非在校生"],
        ["H01", "赵小", SHARED_ID, "子女", "很好", "普通劳动力", "非在校生"],
        ["H02", "钱二", "522327198211050021", "户主", "健康", "普通劳动力", "非在校生"],
        ["H02", "钱小", SHARED_ID, "子女", "健康", "普通劳动力", "非在校生"],
    ])
    return folder


def _one_after_another(monkeypatch):
    """Every task run at once on the calling thread, in the order it was given, and the files read one by one."""
    class Inline:
        def start(self, tasks):
            out = {}
            for key, (_, fn) in tasks.items():
                future = workers.Future()
                future.set_result(workers.beside_others(fn)())
                out[key] = future
            return out

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

    monkeypatch.setattr(workers, "Workers", lambda *a, **k: Inline())
    monkeypatch.setattr("ingest.validate.Workers", lambda *a, **k: Inline())
    monkeypatch.setattr(readers, "_side_by_side", lambda names: False)


def _held_back(monkeypatch, seed):
    """Each task on the worker threads waits 0-30 ms first: they end in an order of the seed's choosing."""
    rng = random.Random(seed)
    original = workers.beside_others

    def late(fn):
        delay = rng.random() * 0.03

        def run():
            time.sleep(delay)
            return fn()
        return original(run)

    monkeypatch.setattr(workers, "beside_others", late)


def _checked(path):
    export, problems, validated = check(path)
    return {
        "problems": problems.frame(),
        "as_found": problems.as_found(),
        "tables": {t: f for t, f in validated.tables.items()},
        "provided": validated.provided,
        "recomputed": validated.recomputed,
        "files": [(f.name, f.sha256) for f in export.files],
        "sheets": {label: raw.frame for label, raw in export.sheets.items()},
        "changes": validated.changes,
        "shapes": validated.shapes,
    }


def _assert_same(a, b):
    assert a["problems"].equals(b["problems"])
    assert a["as_found"].equals(b["as_found"])
    assert a["tables"].keys() == b["tables"].keys()
    for table in a["tables"]:
        assert a["tables"][table].equals(b["tables"][table]), table
    assert a["provided"] == b["provided"] and a["recomputed"] == b["recomputed"]
    assert a["files"] == b["files"]
    assert list(a["sheets"]) == list(b["sheets"])
    for label in a["sheets"]:
        assert a["sheets"][label].equals(b["sheets"][label]), label
    assert a["changes"] == b["changes"]
    assert a["shapes"].equals(b["shapes"])


@pytest.fixture(scope="module")
def flawed(tmp_path_factory):
    return _flawed_export(tmp_path_factory.mktemp("flawed") / "export")


def test_the_planted_problems_are_found(flawed):
    """Worked out by hand: what each planted flaw is called, on which cell."""
    found = _checked(flawed)["problems"]
    cells = {(r["severity"], r["sheet"], r["row"], r["column"]): r["message"] for r in found.iter_rows(named=True)}
    assert cells[(ERROR, "农户", 3, "户主身份证号")] == "校验位错误，应为 1"
    assert cells[(ERROR, "村", 2, "是否贫困村")].startswith("无法识别")
    assert cells[(ERROR, "项目", 2, "计划开工日期")].startswith("无法识别")
    assert cells[(ERROR, "收入", 26, "户编号")] == "在「农户」表中不存在"
    assert cells[(ERROR, "收入", 27, "人均纯收入")] == "不能为负数"
    assert cells[(ERROR, "家庭成员", 3, "健康状况")].startswith("无法识别")
    assert cells[(WARNING, "项目进度", 18, "形象进度")] == "状态为「已完工」但形象进度不足 100"
    # Two warnings on one cell, from the sheet's own check and from the cross-sheet one, in that order.
    same_cell = found.filter((pl.col("sheet") == "家庭成员") & (pl.col("row") == 5))["message"].to_list()
    assert same_cell == ["15位旧身份证号，已接受，请核实后更新为18位",
                         "跨表核对：同一身份证号出现在两个户中（另见户 H01）"]
    boundaries = found.filter(pl.col("sheet") == "boundaries.geojson").select("value", "message").rows()
    assert sorted(boundaries) == [("南岭乡（T03）", "该乡镇没有边界"), ("第2个要素「无名乡」", "未匹配到任何乡镇（按乡镇代码、township_code、adcode 或名称）"),
                                  ("西河乡（T02）", "该乡镇没有边界")]
    shapes = _checked(flawed)["shapes"]
    assert shapes["township_code"].to_list() == ["T01"]


def _validated_one_after_another(export):
    """What ingest/validate.py's checks say run one after another on this thread, in the contract's order (the
    sheets' own checks, then references, event sequences, cross-sheet warnings): validate() before threads."""
    problems, tables, provided, damaged = Problems(), {}, [], set()
    for sheet in SHEETS:
        raw = export.sheets[sheet.label]
        lost = set()
        typed = validate._type_sheet(sheet, raw.frame, raw.excel, problems, raw.missing, lost)
        typed = validate._check_ranges(sheet, typed, problems)
        validate._check_keys(sheet, typed, problems)
        if sheet.table == "household_events":
            typed = typed.with_columns(pl.col("event").replace_strict(validate.EVENT_ORDER, default=None,
                                                                       return_dtype=pl.Int8).alias("event_order"))
        tables[sheet.table] = typed
        provided.append(sheet.table)
        damaged |= {(sheet.table, c) for c in lost}
    validate._check_references(tables, provided, problems, damaged)
    validate._check_event_sequences(tables["household_events"], problems)
    recomputed = validate._cross_sheet_warnings(tables, provided, problems)
    return problems, tables, recomputed


def test_validate_on_threads_says_what_the_checks_one_after_another_say(flawed, monkeypatch):
    export = readers.read_export(flawed, Problems())
    problems, tables, recomputed = _validated_one_after_another(export)
    assert problems.as_found().height == 23
    for seed in (None, 1, 2, 3):
        with monkeypatch.context() as m:
            if seed is not None:
                _held_back(m, seed)
            found = Problems()
            validated = validate.validate(export, found)
        assert found.as_found().equals(problems.as_found())
        assert validated.recomputed == recomputed
        assert all(validated.tables[t].equals(tables[t]) for t in tables) and validated.tables.keys() == tables.keys()


def test_check_on_threads_says_what_one_after_another_says(flawed, monkeypatch):
    with monkeypatch.context() as m:
        _one_after_another(m)
        alone = _checked(flawed)
    _assert_same(_checked(flawed), alone)
    for seed in range(4):
        with monkeypatch.context() as m:
            _held_back(m, seed)
            _assert_same(_checked(flawed), alone)


def test_a_zip_read_side_by_side_is_the_folder_read_one_by_one(flawed, tmp_path, monkeypatch):
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(flawed.iterdir()):
            z.write(p, p.name)
    with monkeypatch.context() as m:
        _one_after_another(m)
        alone = _checked(archive)
    with monkeypatch.context() as m:
        _held_back(m, 7)
        _assert_same(_checked(archive), alone)


def test_a_sheet_given_twice_is_read_one_by_one(flawed, tmp_path):
    """Which of two files of one sheet is refused depends on the order: such an export is not read side by side,
    and nothing is handed over before the whole export is read."""
    folder = tmp_path / "twice"
    shutil.copytree(flawed, folder)
    shutil.copy(folder / "收入.csv", folder / "incomes.csv")
    assert not readers._side_by_side(sorted(p.name for p in folder.iterdir()))
    handed = []
    problems = readers.Problems()
    export = readers.read_export(folder, problems, each=handed.append)
    assert handed == []
    assert problems.frame()["message"].str.contains("出现了两次").any()
    assert set(export.sheets) >= {"农户", "收入"}
