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
