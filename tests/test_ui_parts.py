"""The shared UI parts on tiny frames: Chinese axis ticks, the viewer's township highlighted, the township head's
card, blank cells and years in Excel (issue 17 §2, §4)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import plotly.graph_objects as go
import polars as pl
import pytest

from components import charts, funds_charts, poverty_charts, township_card
from components.tables import highlighted, plain_number_columns, to_excel
from components.theme import MODEBAR, _tooltip_rules


def test_money_axis_has_no_si_suffix():
    fig = funds_charts.allocated_vs_spent(
        pl.DataFrame({"source": ["中央", "省级"], "allocated_wan": [12000.0, 20000.0], "spent_wan": [9000.0, 15000.0],
                      "spend_progress_pct": [75.0, 75.0]}), "source", "按来源", 80.0)
    assert fig.layout.yaxis.exponentformat == "none"  # Plotly's default "B"/SI would print 20k beside 万元
    assert fig.layout.yaxis.separatethousands is True


def test_date_axes_read_2020年4月_and_number_axes_are_left_alone():
    monthly = pl.DataFrame({"as_of": [dt.date(2020, 3, 31), dt.date(2020, 4, 30)], "poor_persons": [120, 100],
                            "incidence_pct": [1.2, 1.0]})
    fig = poverty_charts.monthly_trend(monthly)
    assert fig.layout.xaxis.tickformat == "%Y年"  # the builder's own format is kept
    bars = charts.base_layout(go.Figure(go.Bar(x=[dt.date(2020, 4, 1), dt.date(2020, 5, 1)], y=[1, 2])), "t")
    stops = {tuple(s.dtickrange): s.value for s in bars.layout.xaxis.tickformatstops}
    assert stops[("M1", "M12")] == "%Y年%-m月"
    assert bars.layout.xaxis.hoverformat == "%Y年%-m月%-d日"
    assert not bars.layout.yaxis.tickformatstops  # a number axis gets no date format


def _indicators() -> pl.DataFrame:
    return pl.DataFrame({
        "township_code": ["ALL", "T1", "T2", "T3"], "township_name": ["全县", "东山镇", "西河乡", "南岭乡"],
        "target_progress_pct": [80.0, 90.0, 60.0, 85.0], "time_progress_pct": [87.0] * 4,
        "lagging": [False, False, True, False], "exited_persons_ytd": [10, 4, 2, 4],
        "target_exit_persons": [12, 4, 4, 4]})


def test_the_viewers_township_is_outlined_and_its_tick_marked():
    fig = charts.highlight(charts.target_vs_time(_indicators(), 10), "西河乡")
    bar = fig.data[0]
    names = list(bar.x)
    widths = dict(zip(names, bar.marker.line.width))
    colours = dict(zip(names, bar.marker.line.color))
    assert widths["西河乡"] > 0 and widths["东山镇"] == 0 and widths["南岭乡"] == 0
    assert colours["西河乡"] == charts.HIGHLIGHT_LINE
    assert dict(zip(fig.layout.xaxis.tickvals, fig.layout.xaxis.ticktext))["西河乡"] == "<b>▶西河乡</b>"
    # the red/green judgement of the fill is not touched by the highlight
    assert list(bar.marker.color) == list(charts.target_vs_time(_indicators(), 10).data[0].marker.color)


def test_highlight_finds_a_ranked_label_and_a_scatter_point():
    fig = go.Figure([go.Bar(y=["1. 东山镇", "2. 西河乡"], x=[80, 70], orientation="h"),
                     go.Scatter(x=[1, 2], y=[3, 4], text=["东山镇", "西河乡"], mode="markers+text")])
    charts.highlight(fig, "西河乡")
    assert list(fig.data[0].marker.line.width) == [0, 3.5]
    assert list(fig.data[1].marker.line.width) == [1, 4]
    assert list(fig.data[1].text) == ["东山镇", "<b>西河乡</b>"]
    untouched = charts.highlight(go.Figure(go.Bar(x=["甲"], y=[1])), None)
    assert untouched.data[0].marker.line.width is None


def test_township_card_ranks_of_n_with_the_weekly_move_and_the_costliest_part():
    ranked = pl.DataFrame({"township_code": ["T1", "T2", "T3"], "rank": [1, 2, 3], "score": [80.0, 70.0, 60.0],
                           "rank_week_ago": [2, 1, 3], "move_week": [1, -1, 0],
                           "weakest": ["一升", "一降", "项目完工率"], "weakest_lost": [5.0, 12.5, 9.0]})
    card = township_card.standing(ranked, "T2")
    assert (card["rank"], card["of"], card["move_week"], card["weakest"], card["weakest_lost"]) == (2, 3, -1, "一降", 12.5)
    assert township_card.move_sentence(-1, 1) == "-1 位（上周第 1 名）"
    assert township_card.move_sentence(2, 5) == "+2 位（上周第 5 名）"
    assert township_card.move_sentence(0, 3) == "与上周持平"
    assert township_card.move_sentence(None, None) == "上周无排名"
    assert township_card.standing(ranked, "T9") is None


def test_years_are_plain_digits_in_excel_and_amounts_keep_separators():
    frame = pl.DataFrame({"年度": [2020], "出列年份": [2019], "贫困人口（人）": [12345]})
    assert plain_number_columns(frame) == ["年度", "出列年份"]
    sheet = openpyxl.load_workbook(io.BytesIO(to_excel(frame))).active
    assert sheet["A2"].number_format == "0" and sheet["B2"].number_format == "0"
    assert "," in sheet["C2"].number_format


def test_highlighted_table_marks_only_the_viewers_row():
    frame = pl.DataFrame({"乡镇": ["东山镇", "西河乡"], "得分": [80.0, None]})
    styled = highlighted(frame, "乡镇", "西河乡")
    cells = styled._compute().ctx  # {(row, col): [(prop, value)]}
    assert all(row == 1 for row, _ in cells) and cells
    assert highlighted(frame, "乡镇", None) is frame
    assert highlighted(frame, "乡镇", "北坡村") is frame


def test_a_province_sized_table_marks_the_viewers_row_with_an_arrow_not_a_styler():
    """Beyond STYLED_ROWS_MAX rows the Styler would cost seconds of every view: the viewer's own cell gets "▶ "
    (as the charts' tick does), every other cell and column is unchanged."""
    from components.tables import STYLED_ROWS_MAX

    names = [f"乡镇{i}" for i in range(STYLED_ROWS_MAX + 1)]
    frame = pl.DataFrame({"乡镇": names, "得分": [float(i) for i in range(len(names))]})
    shown = highlighted(frame, "乡镇", "乡镇7")
    assert isinstance(shown, pl.DataFrame)
    assert shown["乡镇"][7] == "▶ 乡镇7"
    assert shown["乡镇"].to_list()[:7] == names[:7] and shown["乡镇"].to_list()[8:] == names[8:]
    assert shown["得分"].to_list() == frame["得分"].to_list()
    assert highlighted(frame.head(STYLED_ROWS_MAX), "乡镇", "乡镇7") is not None
    assert not isinstance(highlighted(frame.head(STYLED_ROWS_MAX), "乡镇", "乡镇7"), pl.DataFrame)


def test_modebar_and_table_toolbar_tooltips_are_translated():
    rules = _tooltip_rules()
    assert '.modebar-btn[data-title="Download plot as a png"]::after { content: "下载图片（PNG）"' in rules
    assert all(zh in rules for zh in MODEBAR.values())
    assert 'aria-label="Fullscreen"]:hover::after { content: "全屏"; }' in rules


def test_quadrant_names_do_not_overlap_when_points_crowd():
    """Two townships almost on the same spot: the second name goes below (or beside), not on top."""
    xs, ys = [0.50, 0.51, 0.9], [10.0, 10.1, 5.0]
    positions = poverty_charts.label_positions(xs, ys, ["东山镇", "西河乡", "南岭乡"])
    assert positions[0] != positions[1]
    assert positions[2] == "top center"  # a lone point keeps the default
    fig = poverty_charts.quadrant(pl.DataFrame({
        "township_code": ["ALL", "T1", "T2", "T3"], "township_name": ["全县", "东山镇", "西河乡", "南岭乡"],
        "incidence_drop_pp": [0.6, 0.50, 0.51, 0.9], "income_growth_pct": [9.0, 10.0, 10.1, 5.0]}), 9.0)
    assert len(set(fig.data[0].textposition[:2])) == 2


def test_a_chart_of_zeros_has_no_negative_axis():
    """A date before the data: every bar is 0; the axis shows 0…1, not Plotly's −1…1."""
    fig = charts.base_layout(go.Figure(go.Bar(x=["东山镇", "西河乡"], y=[0, 0])), "t")
    assert tuple(fig.layout.yaxis.range) == (0, 1)
    assert charts.base_layout(go.Figure(go.Bar(x=["东山镇"], y=[3])), "t").layout.yaxis.range is None


def _label_positions_pairwise(xs, ys, names, width_px=560, height_px=380, font_px=14):
    """The placement rule checked against every placed name and every other marker (the original quadratic form)."""
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    px = [(x - min(xs)) / span_x * width_px for x in xs]
    py = [(max(ys) - y) / span_y * height_px for y in ys]
    m = 9.0

    def box(i, position):
        w, h = font_px * len(names[i]) + 4, font_px * 1.3
        vertical, horizontal = position.split()
        x0 = {"center": px[i] - w / 2, "right": px[i] + m, "left": px[i] - m - w}[horizontal]
        y0 = {"top": py[i] - m - h, "bottom": py[i] + m, "middle": py[i] - h / 2}[vertical]
        return x0, y0, x0 + w, y0 + h

    def clear(a, b):
        return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]

    markers = [(x - m, y - m, x + m, y + m) for x, y in zip(px, py)]
    placed, out = [], {}
    for i in sorted(range(len(xs)), key=lambda i: (py[i], px[i])):
        others = [b for j, b in enumerate(markers) if j != i]
        out[i] = next((p for p in poverty_charts.LABEL_POSITIONS
                       if all(clear(box(i, p), b) for b in placed + others)), poverty_charts.LABEL_POSITIONS[0])
        placed.append(box(i, out[i]))
    return [out[i] for i in range(len(xs))]


@pytest.mark.parametrize("n, seed", [(16, 1), (60, 2), (300, 3)])
def test_quadrant_label_placement_is_the_pairwise_rule_at_any_size(n, seed):
    """The grid-indexed placement (a province's 2,000 townships in well under a second) gives exactly the
    placements of checking every pair, on sparse and crowded scatters alike."""
    import random

    rng = random.Random(seed)
    xs = [rng.uniform(-1, 3) for _ in range(n)]
    ys = [rng.gauss(9, 4) for _ in range(n)]
    names = [rng.choice(["东山镇", "西河乡", "南岭乡", "白沙镇", "龙潭乡", "云溪乡", "石门镇"])[: rng.randint(2, 3)]
             for _ in range(n)]
    got = poverty_charts.label_positions(xs, ys, names)
    assert got == _label_positions_pairwise(xs, ys, names)
    assert len(set(got)) > 1  # crowded enough that names moved


def test_time_and_lag_lines_are_named_beside_the_plot_not_over_the_bars():
    """The notes of 时间进度 and the 滞后线 sit in the right margin (x = 1 of the paper, left-anchored), the time
    note above its line and the lag note below its own: inside the plot they covered the value label of a bar
    ending near the line (issue 17: the township head's own "87%" under "时间进度 87.7%")."""
    frame = pl.DataFrame({
        "township_code": ["T1", "T2"], "township_name": ["东山镇", "西河乡"],
        "target_progress_pct": [87.0, 60.0], "time_progress_pct": [87.7, 87.7], "lagging": [False, True],
        "exited_persons_ytd": [87, 60], "target_exit_persons": [100, 100]})
    fig = charts.target_vs_time(frame, lag_threshold=5)
    notes = {a.text.split("<br>")[0]: a for a in fig.layout.annotations if a.text.startswith(("时间进度", "滞后线"))}
    assert set(notes) == {"时间进度", "滞后线"}
    for note in notes.values():
        assert (note.xref, note.x, note.xanchor) == ("paper", 1, "left")
    assert (notes["时间进度"].y, notes["时间进度"].yanchor) == (87.7, "bottom")
    assert (notes["滞后线"].y, notes["滞后线"].yanchor) == (82.7, "top")
    assert "87.7%" in notes["时间进度"].text and "5 个百分点" in notes["滞后线"].text
    assert fig.layout.margin.r >= 80


def test_box_grid_finds_exactly_the_overlaps_a_scan_of_every_box_finds():
    """Random boxes of every size (wider than a cell, negative coordinates, touching edges): free() agrees with
    checking every placed box, with and without an ignored owner."""
    import random

    from components.box_grid import BoxGrid, overlap

    rng = random.Random(11)
    grid, placed = BoxGrid(cell=32), []
    for k in range(600):
        x, y = rng.uniform(-200, 600), rng.uniform(-100, 400)
        box = (x, y, x + rng.choice([1, 8, 40, 150]), y + rng.choice([1, 12, 70]))
        owner = k % 7
        assert grid.free(box) == (not any(overlap(box, b) for b, _ in placed))
        assert grid.free(box, ignore=owner) == (not any(overlap(box, b) for b, o in placed if o != owner))
        grid.add(box, owner)
        placed.append((box, owner))
    assert not grid.free(placed[0][0]) and grid.free((10_000, 10_000, 10_001, 10_001))
