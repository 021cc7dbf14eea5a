"""The shortcuts validation takes on large sheets (ingest/validate.py) say exactly what the full checks say.

Each shortcut only decides which rows or columns the full check looks at, or computes the same values a cheaper
way; here each is held against the full path it shortcuts (the shortcut switched off), on sheets large enough to
take it and with bad cells of every kind, and against values worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys

import polars as pl
import pytest

from ingest import raw_rows, validate
from ingest.problems import WARNING, Problems
from ingest.readers import ROW
from ingest.sheets import SHEETS_BY_TABLE

VALID_ID = "11010519491231002X"  # GB 11643's own example: weighted sum 167, 167 mod 11 = 2 -> X


def _check_digit(first17: str) -> str:
    """GB 11643, worked out independently of ingest/validate.py."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def _typed_both_ways(monkeypatch, table: str, frame: pl.DataFrame):
    """(problems, typed frame) of _type_sheet + _check_ranges + _check_keys with the shortcuts, then without."""
    sheet = SHEETS_BY_TABLE[table]

    def run():
        problems = Problems()
        typed = validate._type_sheet(sheet, frame, False, problems)
        typed = validate._check_ranges(sheet, typed, problems)
        validate._check_keys(sheet, typed, problems)
        return problems.frame(), typed

    fast = run()
    with monkeypatch.context() as m:
        m.setattr(validate, "_by_spelling", lambda *a: None)
        m.setattr(validate, "_plain_columns", lambda *a: set())
        m.setattr(validate, "_clearly_sound", lambda *a, **k: set())
        m.setattr(validate, "_sound_id_numbers", lambda values: pl.Series([False] * len(values)))
        m.setattr(validate, "_repeated", lambda frame, key: pl.Series([True] * frame.height))
        m.setattr(validate, "_out_of_range", lambda column: pl.lit(True))
        full = run()
    return fast, full


def _ids(n: int, rng: random.Random) -> list[str]:
    out = []
    for _ in range(n):
        born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000))
        first17 = f"431299{born:%Y%m%d}{rng.randrange(1000):03d}"
        out.append(first17 + _check_digit(first17))
    return out


@pytest.fixture(scope="module")
def members() -> pl.DataFrame:
    """50,000 家庭成员 rows (enough for the per-spelling typing) with bad and odd cells scattered in."""
    rng = random.Random(18)
    n = 50_000
    ids = _ids(n, rng)
    frame = pl.DataFrame({
        ROW: pl.Series(range(2, n + 2), dtype=pl.Int64),
        "household_id": [f"4312991012{i // 3:06d}" for i in range(n)],
        "name": [f"张{i % 977}" for i in range(n)],
        "id_number": ids,
        "relation": [rng.choice(["户主", "配偶", "之子", "之女"]) for _ in range(n)],
        "health": [rng.choice(["健康", "长期慢性病", "残疾"]) for _ in range(n)],
        "labor_skill": [rng.choice(["普通劳动力", "无劳动力", "技能劳动力"]) for _ in range(n)],
        "schooling": [rng.choice(["非在校生", None]) for _ in range(n)],
    })
    odd = {
        "id_number": [ids[5][:17] + ("0" if ids[5][17] != "0" else "1"),  # wrong check digit
                      ids[6][:6] + "19990229" + ids[6][14:],  # no such day
                      "431299491231001",  # 15 digits (born 1949-12-31): a warning
                      ids[8].lower(), "４" + ids[9][1:], " " + ids[10] + " ", "", ids[11][:17],
                      ids[12][:6] + "20991010" + ids[12][14:], VALID_ID, VALID_ID.lower()],
        "health": ["健康,残疾", "残疾、长期慢性病", "健康，大病", "好", "", " 残疾 ", "長期慢性病", "x,残疾", ",残疾", None],
        "labor_skill": ["普通劳动力 ", "无", "", "  ", "弱劳动力", "技能劳动力"],
        "relation": [" 户主", "", "之子 ", "  "],
        "household_id": ["4312991012000001.0", "", " 4312991012000002", "４312991012000003"],
    }
    for column, values in odd.items():
        rows = rng.sample(range(n), len(values))
        cells = frame[column].to_list()
        for row, value in zip(rows, values):
            cells[row] = value
        frame = frame.with_columns(pl.Series(column, cells, dtype=pl.String))
    return frame


def test_members_say_the_same_with_and_without_shortcuts(monkeypatch, members):
    (fast_problems, fast_typed), (full_problems, full_typed) = _typed_both_ways(monkeypatch, "household_members",
                                                                                members)
    said = " ".join(fast_problems["message"])  # every kind of bad cell above made it into the list
    for kind in ("校验位错误", "出生日期无效", "15位旧身份证号", "长度或格式错误", "必填，不能为空", "无法识别"):
        assert kind in said
    assert fast_problems.equals(full_problems)
    assert fast_typed.equals(full_typed)


def test_households_say_the_same_with_and_without_shortcuts(monkeypatch):
    rng = random.Random(3)
    n = 45_000
    ids = _ids(n, rng)
    ids[100] = ids[200]  # the same head twice: a warning naming the first
    frame = pl.DataFrame({
        ROW: pl.Series(range(2, n + 2), dtype=pl.Int64),
        "household_id": [f"4312991012{i:06d}" for i in range(n)],
        "head_name": [f"李{i % 300}" for i in range(n)],
        "head_id_number": ids,
        "village_code": ["431299101201"] * n,
        "size": [rng.choice(["1", "2", "3", "4"]) for _ in range(n)],
        "attribute": [rng.choice(["一般贫困户", "低保贫困户"]) for _ in range(n)],
        "main_cause": [rng.choice(["因病", "因学致贫", "缺技术"]) for _ in range(n)],
        "labor_count": [rng.choice(["0", "1", "2"]) for _ in range(n)],
        "helper": [f"干部{i % 40}" for i in range(n)],
        **{c: [rng.choice(["是", "否"]) for _ in range(n)]
           for c in ("food_clothing", "education", "medical", "housing", "water")},
    })
    odd = {"size": ["三", "0", "-1", "100", "３", " 4 ", "", "2.0", "1,000"], "labor_count": ["9", "-2"],
           "attribute": ["一般户X", "", "一般贫困户 "], "food_clothing": ["是的", "", "Y", " 否"],
           "main_cause": [" 因残致贫 ", "因病致贫", ""], "household_id": ["4312991012000007"]}
    for column, values in odd.items():
        cells = frame[column].to_list()
        for row, value in zip(rng.sample(range(n), len(values)), values):
            cells[row] = value
        frame = frame.with_columns(pl.Series(column, cells, dtype=pl.String))
    (fast_problems, fast_typed), (full_problems, full_typed) = _typed_both_ways(monkeypatch, "households", frame)
    assert {"重复，与第9行相同", "家庭人口数应至少为 1", "不能为负数"} <= set(fast_problems["message"])
    assert fast_problems.equals(full_problems)
    assert fast_typed.equals(full_typed)


def test_sound_id_numbers_by_hand():
    first17 = "43129919800229001"  # 1980 is a leap year
    values = pl.Series([VALID_ID, "11010519491231002Y", "110105194912310021", first17 + _check_digit(first17),
                        "43129919810229001" + _check_digit("43129919810229001"),  # 1981-02-29: no such day
                        "43129918991231001" + _check_digit("43129918991231001"),  # born before 1900
                        "43129919000101001" + _check_digit("43129919000101001"),  # 1900-01-01: the first day
                        "110105194912310", None, "11010519491231002X "])
    assert validate._sound_id_numbers(values).to_list() == [
        True, False, False, True, False, False, True, False, False, False]


def test_a_born_tomorrow_number_is_not_sound():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    first17 = f"431299{tomorrow:%Y%m%d}001"
    today = f"431299{dt.date.today():%Y%m%d}001"
    values = pl.Series([first17 + _check_digit(first17), today + _check_digit(today)])
    assert validate._sound_id_numbers(values).to_list() == [False, True]


@pytest.mark.parametrize("share", [1.0, 0.6, 0.3])
def test_long_codes_damaged_by_excel_are_found_the_same(monkeypatch, share):
    """A column of 户编号 / 身份证号 that Excel rounded to 15 digits: the cheap pass lets the full test see it."""
    rng = random.Random(5)
    n = 30_000
    ids = _ids(n, rng)
    # What a number cell keeps: 15 significant digits, as a double, printed in full by the reader.
    rounded = [f"{float((int(i[:17]) * 10 + 500) // 1000 * 1000):.0f}" if rng.random() < share else i for i in ids]
    frame = pl.DataFrame({ROW: pl.Series(range(2, n + 2), dtype=pl.Int64),
                          "household_id": [f"431299101{i // 4:06d}1" for i in range(n)],
                          "id_number": rounded})
    sheet = SHEETS_BY_TABLE["household_members"]
    columns = [sheet.column("household_id"), sheet.column("id_number")]

    def damaged(problems):
        return validate._long_codes_stored_as_numbers(sheet, frame, columns, problems)[1]

    fast, full = Problems(), Problems()
    found = damaged(fast)
    monkeypatch.setattr(validate, "_clearly_sound", lambda *a, **k: set())
    assert damaged(full) == found
    assert fast.frame().equals(full.frame())
    # A column is judged, not a cell: damaged when at least half of its long values are what Excel keeps.
    assert found == ({"id_number"} if share >= 0.5 else set())
    assert len(fast.frame()) == len(found)


def _runs(rng, runs: int, per_run: int, overlap: bool) -> pl.DataFrame:
    blocks = []
    for r in range(runs):
        base = (0 if overlap else r * 10 * per_run)
        keys = sorted(rng.sample(range(base, base + 10 * per_run), per_run))
        blocks.append(pl.DataFrame({"k": [f"H{k:08d}" for k in keys], "y": [rng.choice([2019, 2020]) for _ in keys]}))
    order = list(range(runs))
    rng.shuffle(order)
    return pl.concat([blocks[i] for i in order])


@pytest.mark.parametrize("runs,overlap,dupes", [(1, False, 0), (1, False, 3), (3, False, 0), (3, False, 2),
                                                 (3, True, 0), (3, True, 2), (80, False, 1)])
def test_repeated_keys_match_a_hash_pass(runs, overlap, dupes):
    rng = random.Random(runs * 10 + dupes + overlap)
    frame = _runs(rng, runs, 500, overlap)
    rows = frame.rows()
    for _ in range(dupes):  # a key again, somewhere else (often in another run)
        rows[rng.randrange(len(rows))] = rows[rng.randrange(len(rows))]
    frame = pl.DataFrame(rows, schema=frame.schema, orient="row")
    for key in (["k"], ["k", "y"]):
        expected = frame.select(pl.struct(key).is_duplicated()).to_series()
        assert validate._repeated(frame, key).to_list() == expected.to_list()


def test_repeated_keys_of_neighbours_by_hand():
    frame = pl.DataFrame({"k": ["a", "b", "b", "c", "x", "y", "y"], "y": [1, 1, 2, 1, 1, 1, 1]})
    assert validate._repeated(frame, ["k"]).to_list() == [False, True, True, False, False, True, True]
    assert validate._repeated(frame, ["k", "y"]).to_list() == [False, False, False, False, False, True, True]
    # Two runs whose ranges overlap ("b" in both): the neighbours alone would miss the pair.
    frame = pl.DataFrame({"k": ["a", "b", "c", "b", "d"]})
    assert validate._repeated(frame, ["k"]).to_list() == [False, True, False, True, False]


def test_counts_by_runs_and_by_hash():
    listed = pl.DataFrame({"h": ["a", "a", "b", "c", "c", "c", None]})
    assert validate._counts(listed, "h").sort("h").rows() == [("a", 2), ("b", 1), ("c", 3)]
    scattered = pl.DataFrame({"h": ["a", "b", "a", "c", "c", "a"]})  # a household in two places
    assert validate._counts(scattered, "h").sort("h").rows() == [("a", 3), ("b", 1), ("c", 2)]


def test_stale_spill_folders_of_dead_imports_are_removed(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(gone.stdout)
    stale = tmp_path / f"{raw_rows.PREFIX}{dead}-abc123"
    mine = tmp_path / f"{raw_rows.PREFIX}{os.getpid()}-def456"
    parent = tmp_path / f"{raw_rows.PREFIX}{os.getppid()}-ghi789"  # a live process (the test runner's parent)
    legacy = tmp_path / f"{raw_rows.PREFIX}k2j3h4"  # no process id in the name: not ours to judge
    other = tmp_path / f"other-{dead}-x"
    for folder in (stale, mine, parent, legacy, other):
        folder.mkdir()
        (folder / "0.arrow").write_bytes(b"x")
    stale_file = tmp_path / f"{raw_rows.PREFIX}{dead}-file"
    stale_file.write_bytes(b"not a folder")
    raw_rows.RawRows(tmp_path)  # the next import sweeps the folder it spills into
    assert not stale.exists()
    assert mine.exists() and parent.exists() and legacy.exists() and other.exists() and stale_file.exists()


def test_spill_folder_is_named_for_its_process(tmp_path):
    from ingest.readers import RawSheet

    spill = raw_rows.RawRows(tmp_path)
    frame = pl.DataFrame({ROW: list(range(raw_rows.SPILL_ROWS))})
    spill.release(RawSheet(SHEETS_BY_TABLE["incomes"], frame, frame.clear(), "收入.csv"))
    (folder,) = [p for p in tmp_path.iterdir() if p.name.startswith(raw_rows.PREFIX)]
    assert folder.name.startswith(f"{raw_rows.PREFIX}{os.getpid()}-")
    assert raw_rows.sweep_stale(tmp_path) == []  # alive: kept
    spill.close()
    assert not folder.exists()


def test_a_damaged_reference_column_is_found_through_its_runs(monkeypatch):
    """户编号 on every row of its household (a reference, looked at once per run), rounded by Excel to 15 digits."""
    # 24,000 rows of 8,000 households rounded (15 significant digits, then zeros), 10,000 of genuine codes: most
    # rows are damaged, though most distinct codes are not — the rows decide.
    codes = [f"{431299101201000 + i // 3}00" for i in range(24_000)] + [f"4312991013{i:05d}1" for i in range(10_000)]
    n = len(codes)
    frame = pl.DataFrame({ROW: pl.Series(range(2, n + 2), dtype=pl.Int64), "household_id": codes})
    sheet = SHEETS_BY_TABLE["incomes"]
    fast, full = Problems(), Problems()
    found = validate._long_codes_stored_as_numbers(sheet, frame, [sheet.column("household_id")], fast)[1]
    monkeypatch.setattr(validate, "_clearly_sound", lambda *a, **k: set())
    assert validate._long_codes_stored_as_numbers(sheet, frame, [sheet.column("household_id")], full)[1] == found
    assert found == {"household_id"}
    assert fast.frame().equals(full.frame())
    assert "该列有 24,000 个值被 Excel 存成了数字" in fast.frame()["message"][0]


def _grid(rows: list[list[str | None]]) -> pl.DataFrame:
    width = max(len(r) for r in rows)
    frame = pl.DataFrame({f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)},
                         schema={f"c{i}": pl.String for i in range(width)})
    return frame.with_row_index(ROW, offset=2).with_columns(pl.col(ROW).cast(pl.Int64))


@pytest.mark.parametrize("rows", [
    [["4312990001", "a"], ["4312990002", "b"]],  # codes only: nothing cut
    [["4312990001", "a"], ["合计", "2户"], ["12abc", None], ["3", None], ["4312990004", "d"], ["制表人：王", None]],
    [["1", "4312990001"], ["2", "4312990002"], [None, "合计"], [" 3", None], ["1合计", "x"]],
    [["1合计", "a"], ["２合计", "b"], ["　合计", None], ["4312990009", "z"]],  # full-width digit, ideographic space
])
def test_footer_rows_are_found_the_same_way_without_looking_at_rows_starting_with_a_digit(rows, monkeypatch):
    """readers.drop_footer sets aside rows whose first cell starts with an ASCII digit before looking for a footer
    (none can start one); with that shortcut off every row is looked at, as before."""
    from ingest import readers

    body = _grid(rows)
    key = "c1" if rows[0][0] in ("1",) else "c0"

    def dropped():
        problems = Problems()
        kept = readers.drop_footer(body, ["c0", "c1"], key, "收入", problems)
        return kept, problems.frame()

    fast = dropped()
    monkeypatch.setattr(readers, "_digit_first", lambda column: pl.lit(False))
    full = dropped()
    assert fast[0].equals(full[0]) and fast[1].equals(full[1])


def test_footer_rows_after_the_data_are_dropped_by_hand(tmp_path):
    """Worked out by hand: a row of blanks (row 3) is no data; 合计 on Excel row 4 starts the footer; rows after it
    with a 户编号 stay (12abc, starting with a digit, and H02), the one whose 户编号 is spaces (row 7) goes too."""
    from ingest.readers import read_export

    (tmp_path / "收入.csv").write_text("户编号,年度,人均纯收入\nH01,2019,3000\n,,\n合计,,3000\n12abc,,\n"
                                      "H02,2019,2800\n  ,2019,1\n", encoding="utf-8")
    problems = Problems()
    export = read_export(tmp_path, problems, each=lambda raw: None)
    frame = export.sheets["收入"].frame
    assert frame[ROW].to_list() == [2, 5, 6]
    assert frame["household_id"].to_list() == ["H01", "12abc", "H02"]
    assert problems.frame().rows() == [(WARNING, "收入", 4, None, None, "表尾 2 行不是数据，已跳过（第4–7行：合计；2019）")]


@pytest.mark.parametrize("order", ["ascending", "shuffled"])
@pytest.mark.parametrize("wanted", [[], [7], [7, 8, 9, 500, 2_000_000], list(range(2, 400, 3)), [3, 5, 5, 10]])
def test_rows_set_aside_are_read_back_by_position_as_a_join_gives_them(tmp_path, order, wanted):
    """raw_rows reads the few rows a problem names by their position in the sheet's ascending ROW column; many
    scattered rows (more than _FEW_RUNS runs), or a sheet not in ROW order, take the whole file and a join."""
    rng = random.Random(3)
    numbers = [n for n in range(2, 20_000) if n % 7]  # rows 7, 14, ... were dropped (blank, footer)
    if order == "shuffled":
        rng.shuffle(numbers)
    frame = pl.DataFrame({ROW: numbers, "household_id": [f"H{n:06d}" for n in numbers],
                          "note": [None if n % 5 == 0 else "x" * (n % 11) for n in numbers]},
                         schema={ROW: pl.Int64, "household_id": pl.String, "note": pl.String})
    path = tmp_path / "0.arrow"
    frame.write_ipc(path, compression="uncompressed")
    rows = pl.Series(ROW, wanted, dtype=pl.Int64)
    expected = frame.filter(pl.col(ROW).is_in(wanted))  # 7 and 2,000,000 are no rows of the sheet
    assert raw_rows._rows_set_aside(path, rows).equals(expected)


@pytest.mark.parametrize("values", [
    [],
    ["a"],
    ["a", "b", "a", None, "c", None, "b", "d"],
    [None, "x", "y"],
    [str(n % 997) for n in range(5_000)],
    [f"4312{n:014d}" for n in range(20_000)] + ["431200000000000017"],
])
def test_duplicated_values_are_told_by_hashes_as_by_value(values):
    """validate._duplicated (hashes sorted, then the candidates compared by value) is Series.is_duplicated."""
    series = pl.Series("v", values, dtype=pl.String)
    expected = [values.count(v) > 1 for v in values]  # worked out in Python: null repeats like any value
    assert validate._duplicated(series).to_list() == expected == series.is_duplicated().to_list()


def test_duplicated_values_survive_a_hash_collision(monkeypatch):
    """Every value hashed alike: each row is a candidate and the comparison by value decides."""
    series = pl.Series("v", ["a", "b", "a", "c"])
    monkeypatch.setattr(pl.Series, "hash", lambda self, *a, **k: pl.Series([7] * self.len(), dtype=pl.UInt64))
    assert validate._duplicated(series).to_list() == [True, False, True, False]
