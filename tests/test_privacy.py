"""Masking rules for personal data (components/privacy.py)."""

import polars as pl

from components.privacy import can_see_id_numbers, can_see_personal, mask_frame, mask_id_number, mask_name


def test_three_char_name_keeps_surname_and_last_char():
    assert mask_name("张三明") == "张*明"


def test_two_char_name_keeps_surname_only():
    assert mask_name("张三") == "张*"


def test_long_name_masks_every_middle_char():
    assert mask_name("欧阳明华") == "欧**华"


def test_empty_names_stay_empty():
    assert mask_name(None) is None and mask_name("") == ""


def test_18_digit_id_keeps_region_and_last_four():
    assert mask_id_number("52232719780312001X") == "522327********001X"


def test_only_leaders_and_data_managers_see_personal_data():
    # 乡镇 sees the names of its own households (the query layer keeps it to its own township)
    assert can_see_personal("县领导") and can_see_personal("数据管理员") and can_see_personal("乡镇")
    assert not can_see_personal("只读演示") and not can_see_personal(None)
    assert can_see_id_numbers("数据管理员")
    assert not can_see_id_numbers("县领导") and not can_see_id_numbers("乡镇") and not can_see_id_numbers(None)


def test_mask_frame_masks_named_columns_unless_visible():
    frame = pl.DataFrame({"户主": ["李小龙"], "身份证号": ["522327197803120017"], "村": ["一村"]})
    masked = mask_frame(frame, names=["户主"], id_numbers=["身份证号"])
    assert masked.row(0) == ("李*龙", "522327********0017", "一村")
    assert mask_frame(frame, names=["户主"], id_numbers=["身份证号"], visible=True, ids_visible=True).row(0) == frame.row(0)
    names_only = mask_frame(frame, names=["户主"], id_numbers=["身份证号"], visible=True)
    assert names_only["户主"][0] == frame["户主"][0] and names_only["身份证号"][0] != frame["身份证号"][0]


def test_masking_expressions_agree_with_the_masks_value_by_value():
    from components.privacy import masked_id_number, masked_name

    names = [None, "", "张", "张三", "张三明", "欧阳明华", "阿依古丽·买买提"]
    ids = [None, "", "123", "4302241980", "43022419800", "430224800101123", "43022419800101123X"]
    frame = pl.DataFrame({"name": names, "id": ids})
    out = frame.select(masked_name(pl.col("name")), masked_id_number(pl.col("id")))
    assert out["name"].to_list() == [mask_name(n) for n in names]
    assert out["id"].to_list() == [mask_id_number(i) for i in ids]


def test_server_code_never_runs_python_callbacks_inside_polars():
    """map_elements / map_batches run Python on polars' worker threads, which then wait for the GIL while a
    script thread holding it waits for those workers: the server froze under load (bench/load_test.py)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    offenders = [f"{path.relative_to(root)}:{n}" for folder in ("pages", "components", "queries", "exports", "ingest",
                                                                "access")
                 for path in (root / folder).rglob("*.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"\.(map_elements|map_batches|map_groups|map_rows)\(", line)]
    offenders += [f"{p.name}" for p in root.glob("*.py")
                  if re.search(r"\.(map_elements|map_batches|map_groups|map_rows)\(", p.read_text(encoding="utf-8"))]
    assert not offenders, offenders
