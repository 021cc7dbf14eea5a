"""components/long_lists: which townships a chart draws at province scale (values worked out by hand)."""

import polars as pl

from components import long_lists


def frame(n: int) -> pl.DataFrame:
    # township i has value i, except t003 which has none
    return pl.DataFrame({"township_code": [f"t{i:03d}" for i in range(n)],
                         "value": [None if i == 3 else float(i) for i in range(n)]})


def test_a_county_draws_every_township_sorted():
    out = long_lists.drawn(frame(40), "value")
    assert out.height == 40
    assert out["township_code"].to_list()[:3] == ["t039", "t038", "t037"]
    assert out["township_code"][-1] == "t003"  # no value: last
    assert long_lists.left_out(40, 40, "x") is None


def test_a_province_draws_both_ends_and_the_marked_township():
    out = long_lists.drawn(frame(100), "value", mark="t050")
    codes = out["township_code"].to_list()
    # order: t099 … t004, t002, t001, t000, then t003 (no value) — first 15 = t099 … t085;
    # last 15 = t014 … t004 (11), t002, t001, t000, t003; t050 in between
    expected = ([f"t{i:03d}" for i in range(99, 84, -1)] + ["t050"]
                + [f"t{i:03d}" for i in range(14, 3, -1)] + ["t002", "t001", "t000", "t003"])
    assert codes == expected
    assert out.height == 31


def test_ascending_order_and_a_marked_township_already_at_an_end():
    out = long_lists.drawn(frame(100), "value", mark="t000", descending=False)
    codes = out["township_code"].to_list()
    assert codes[:3] == ["t000", "t001", "t002"] and codes[-1] == "t003"
    assert out.height == 30


def test_caption_names_the_total_and_the_ends():
    text = long_lists.left_out(2273, 31, "减贫进度最快和最慢", marked=True)
    assert text == "共 2,273 个乡镇，图中只画减贫进度最快和最慢的各 15 个及本乡镇；全部乡镇见表格和下载。"
