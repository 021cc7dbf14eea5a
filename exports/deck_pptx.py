"""季讲评 PowerPoint deck (python-pptx): native charts (chart data, not pictures) a presenter can restyle,
Chinese titles and speaker notes, the map as a picture, and on request one slide per township.

Same slides as the presentation mode (components/presentation.py). Frames in, .pptx bytes out; no database.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import polars as pl
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from components.presentation import KPI_KEYS, quarter_change
from exports import capabilities
from queries.metrics import METRICS

FONT = "微软雅黑"
GOOD, BAD, GREY, BLUE = RGBColor(0x2E, 0x7D, 0x32), RGBColor(0xC6, 0x28, 0x28), RGBColor(0x90, 0xA4, 0xAE), \
    RGBColor(0x15, 0x65, 0xC0)
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MAP_PLACEHOLDER = "本县尚未导入乡镇边界（请数据管理员在「数据导入」页上传），此处暂以柱状图代替地图"


@dataclass(frozen=True)
class DeckInput:
    quarter_label: str
    as_of: dt.date
    start_as_of: dt.date           # the previous quarter's end: changes are "本季"
    now: pl.DataFrame              # township_indicators at as_of (with ALL)
    start: pl.DataFrame            # township_indicators at start_as_of (with ALL)
    ranked: pl.DataFrame           # rescored townships with county_leader, weakest, move columns
    contributions: pl.DataFrame    # ranking_weights.contributions at as_of
    income_benchmark_pct: float
    county_name: str = "本县"
    meeting_date: dt.date | None = None  # None: the title slide names no meeting date
    rectify: pl.DataFrame | None = None  # the 整改销号 list (rectification.store items)
    pace: pl.DataFrame | None = None     # exports.pace.year_end_pace at as_of


# The 挂图作战 slides: indicator key -> slide title. The title names the indicator the map is coloured by;
# build_deck takes one picture per key, so a slide can never show another indicator's map.
MAP_SLIDES = {"incidence_pct": f"挂图作战：各乡镇{METRICS['incidence_pct'].label}"}


def map_image(now: pl.DataFrame, boundaries: pl.DataFrame, key: str) -> bytes | None:
    """The 挂图作战 map coloured by `key` as a PNG (kaleido, offline); None without boundaries."""
    if boundaries.height == 0:
        return None
    from components.map_export import map_png
    from components.map_figures import township_map

    return map_png(township_map(now, boundaries, key), width=1600, height=1000)


def map_images(now: pl.DataFrame, boundaries: pl.DataFrame) -> dict[str, bytes]:
    """One map picture per map slide, keyed by the indicator its title names (empty without boundaries)."""
    return {key: png for key in MAP_SLIDES if (png := map_image(now, boundaries, key)) is not None}


def build_deck(data: DeckInput, *, township_slides: list[str] | None = None,
               maps: dict[str, bytes] | None = None) -> bytes:
    """The deck as .pptx bytes; township_slides: 乡镇代码 that get a slide of their own; maps: map_images()."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    towns = data.now.filter(pl.col("township_code") != "ALL").sort("township_code")

    meeting = f"　·　讲评会 {data.meeting_date:%Y年%-m月%-d日}" if data.meeting_date else ""
    _title_slide(prs, f"{data.county_name}{data.quarter_label}脱贫攻坚讲评",
                 f"数据截止 {data.as_of:%Y年%-m月%-d日}{meeting}\n本季变化与上季末（{data.start_as_of:%Y年%-m月%-d日}）对比",
                 "开场：说明数据截止日期与统计口径，本季变化均与上季末对比；收入增幅为年度数据。")
    _kpi_slide(prs, data)
    for key, title in MAP_SLIDES.items():
        _map_slide(prs, key, title, towns, (maps or {}).get(key))
    _rise_fall_slide(prs, data, towns)
    _funds_slide(prs, towns)
    _projects_slide(prs, towns)
    _ranking_slide(prs, data)
    for code in township_slides or []:
        _township_slide(prs, data, code)
    _pace_slide(prs, data)
    _issues_slide(prs, data)
    _plan_slide(prs, data)
    _slide_numbers(prs)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()


# --- slides -------------------------------------------------------------------------------------------------

def _title_slide(prs, title: str, subtitle: str, notes: str) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    slide.shapes.title.text = title
    slide.placeholders[1].text = subtitle
    for shape, top, height in ((slide.shapes.title, Inches(2.0), Inches(1.6)),
                               (slide.placeholders[1], Inches(3.9), Inches(1.4))):
        shape.left, shape.width, shape.top, shape.height = Inches(0.8), WIDTH - Inches(1.6), top, height
        _ea(shape.text_frame)
    _notes(slide, notes)


def _slide(prs, title: str, notes: str):
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    slide.shapes.title.text = title
    slide.shapes.title.left, slide.shapes.title.top = Inches(0.5), Inches(0.3)
    slide.shapes.title.width, slide.shapes.title.height = WIDTH - Inches(1.0), Inches(1.0)
    tf = slide.shapes.title.text_frame
    tf.paragraphs[0].alignment = PP_ALIGN.LEFT
    tf.paragraphs[0].runs[0].font.size = Pt(32)
    tf.paragraphs[0].runs[0].font.bold = True
    _ea(tf)
    _notes(slide, notes)
    return slide


def _kpi_slide(prs, data: DeckInput) -> None:
    a = data.now.filter(pl.col("township_code") == "ALL").row(0, named=True)
    b = data.start.filter(pl.col("township_code") == "ALL").row(0, named=True)
    slide = _slide(prs, "全县主要指标", "逐项讲：贫困人口和发生率看“一降”，收入增幅看“一升”，"
                                      "年度目标进度对照时间进度，资金结余率越低越好，项目完工率看建设进度。")
    rows = [("指标", f"上季末（{data.start_as_of:%m月%d日}）", f"本期（{data.as_of:%m月%d日}）", "本季变化")]
    for key in KPI_KEYS:
        m = METRICS[key]
        rows.append((m.label, m.format(b[key]), m.format(a[key]), quarter_change(key, a, b)))
    _table(slide, rows, Inches(0.8), Inches(1.5), WIDTH - Inches(1.6), Inches(5.2), size=20)


def _map_slide(prs, key: str, title: str, towns: pl.DataFrame, map_png: bytes | None) -> None:
    """The map coloured by `key` (the picture made for that key) and the same values, worst first."""
    m = METRICS[key]
    slide = _slide(prs, title, f"地图按乡镇{m.label}着色（红色为差的一端）；右侧列出{m.label}最需关注的乡镇。")
    top = Inches(1.3)
    rows = towns.sort(key, descending=m.higher_is_better is False, nulls_last=True)
    if map_png:
        picture = slide.shapes.add_picture(io.BytesIO(map_png), Inches(0.3), top, height=HEIGHT - top - Inches(0.35))
        picture.name = f"map:{key}"
        box = slide.shapes.add_textbox(picture.left + picture.width + Inches(0.2), top + Inches(0.2),
                                       WIDTH - picture.left - picture.width - Inches(0.5), Inches(5.6)).text_frame
        box.word_wrap = True
        _lines(box, [(f"{m.label}最需关注", BAD, True)]
               + [(f"{r['township_name']}　{m.format(r[key])}", None, False) for r in rows.head(6).iter_rows(named=True)])
        return
    left, width, height = Inches(0.5), Inches(6.2), Inches(5.7)
    box = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, top, width, height)
    box.fill.solid()
    box.fill.fore_color.rgb = RGBColor(0xEC, 0xEF, 0xF1)
    box.line.color.rgb = GREY
    box.text_frame.text = capabilities.NO_MAP_PICTURES if capabilities.map_images_unavailable() else MAP_PLACEHOLDER
    box.text_frame.word_wrap = True
    box.text_frame.paragraphs[0].runs[0].font.size = Pt(18)
    box.text_frame.paragraphs[0].runs[0].font.color.rgb = RGBColor(0x45, 0x5A, 0x64)
    _ea(box.text_frame)
    chart = _chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, rows["township_name"].to_list(),
                   {f"{m.label}（{m.unit}）": rows[key].fill_null(0).round(m.precision).to_list()},
                   Inches(7.0), top, Inches(5.9), height,
                   number_format=f'0.{"0" * m.precision}"%"' if m.unit == "%" else "#,##0")
    chart.plots[0].series[0].format.fill.solid()
    chart.plots[0].series[0].format.fill.fore_color.rgb = BAD
    chart.category_axis.reverse_order = True


def _rise_fall_slide(prs, data: DeckInput, towns: pl.DataFrame) -> None:
    county = data.now.filter(pl.col("township_code") == "ALL").row(0, named=True)
    drop = county["incidence_drop_pp"]
    growth = county["income_growth_pct"]
    bench = data.income_benchmark_pct
    below = towns.filter(pl.col("income_growth_pct") < bench).sort("income_growth_pct")["township_name"].to_list()
    slide = _slide(prs, "一升一降", f"全县贫困发生率较上年末下降 {drop or 0:.2f} 个百分点；建档立卡户人均纯收入增幅 "
                               f"{growth or 0:.1f}%（对照线 {bench:g}%）。"
                               + (f"增幅低于对照线的乡镇：{'、'.join(below)}。" if below else "各乡镇增幅均达到对照线。"))
    falls = towns.sort("incidence_drop_pp", descending=True, nulls_last=True)
    rises = towns.sort("income_growth_pct", descending=True, nulls_last=True)
    c1 = _chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, falls["township_name"].to_list(),
                {"一降（个百分点）": falls["incidence_drop_pp"].fill_null(0).round(2).to_list()},
                Inches(0.4), Inches(1.4), Inches(6.2), Inches(5.8), number_format="0.00", title="一降：发生率较上年末下降（个百分点）")
    c2 = _chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, rises["township_name"].to_list(),
                {"一升（%）": rises["income_growth_pct"].fill_null(0).round(1).to_list()},
                Inches(6.8), Inches(1.4), Inches(6.2), Inches(5.8), number_format='0.0"%"', title="一升：人均纯收入增幅（%）")
    for chart, colour in ((c1, BLUE), (c2, GOOD)):
        chart.category_axis.reverse_order = True
        chart.plots[0].series[0].format.fill.solid()
        chart.plots[0].series[0].format.fill.fore_color.rgb = colour
    for i, value in enumerate(rises["income_growth_pct"].to_list()):  # below the benchmark in red
        if value is None or value < bench:
            point = c2.plots[0].series[0].points[i]
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = BAD
    _benchmark_line(slide, c2, rises["income_growth_pct"].fill_null(0).to_list(), bench)


PLOT_BOX = (0.25, 0.13, 0.68, 0.80)  # the 一升 chart's inner plot area: x, y, width, height (fractions)


def _benchmark_line(slide, chart, values: list[float], bench: float) -> None:
    """The 对照线 over the bar chart: a dashed vertical line at `bench` on the value axis, with its label.

    python-pptx has no combo charts, so the plot area is pinned (manualLayout) and the axis range fixed; the
    line is then a connector at the exact place of `bench` on that axis."""
    top_value = max([*values, bench]) * 1.15 or 1.0
    low_value = min(0.0, *values)
    chart.value_axis.maximum_scale, chart.value_axis.minimum_scale = top_value, low_value
    x0, y0, w0, h0 = PLOT_BOX
    plot_area = chart._chartSpace.chart.plotArea  # noqa: SLF001 (python-pptx exposes no plot-area layout)
    layout = plot_area.find(qn("c:layout"))
    if layout is None:
        layout = plot_area.makeelement(qn("c:layout"), {})
        plot_area.insert(0, layout)
    for child in list(layout):
        layout.remove(child)
    manual = layout.makeelement(qn("c:manualLayout"), {})
    for tag, value in (("c:layoutTarget", "inner"), ("c:xMode", "edge"), ("c:yMode", "edge"), ("c:x", x0),
                       ("c:y", y0), ("c:w", w0), ("c:h", h0)):
        element = manual.makeelement(qn(tag), {"val": str(value)})
        manual.append(element)
    layout.append(manual)
    shape = next(sh for sh in slide.shapes if sh.has_chart and sh.chart._chartSpace is chart._chartSpace)
    x = shape.left + int(shape.width * (x0 + w0 * (bench - low_value) / (top_value - low_value)))
    y1, y2 = shape.top + int(shape.height * y0), shape.top + int(shape.height * (y0 + h0))
    line = slide.shapes.add_connector(1, x, y1, x, y2)
    line.line.color.rgb = BAD
    line.line.width = Pt(2.25)
    line.line.dash_style = 4  # dash
    line.name = f"对照线 {bench:g}%"
    label = slide.shapes.add_textbox(x - Inches(0.9), y2, Inches(1.8), Inches(0.35)).text_frame  # under the bars
    label.paragraphs[0].alignment = PP_ALIGN.CENTER
    _lines(label, [(f"对照线 {bench:g}%", BAD, False)], size=14)


def _funds_slide(prs, towns: pl.DataFrame) -> None:
    rows = towns.sort("balance_rate_pct", descending=True, nulls_last=True)
    alloc, spent = rows["allocated_wan"].sum(), rows["spent_wan"].sum()
    rate = 100 * (alloc - spent) / alloc if alloc else None
    worst = [f"{r['township_name']}（{r['balance_rate_pct']:.1f}%）" for r in rows.head(3).iter_rows(named=True)
             if r["balance_rate_pct"] is not None]
    slide = _slide(prs, "资金结余率（本年度项目）",
                   f"全县本年度项目下达 {alloc:,.1f} 万元，支出 {spent:,.1f} 万元，"
                   f"结余率 {'—' if rate is None else f'{rate:.1f}%'}。结余率最高：{'、'.join(worst)}，"
                   "请说明资金沉淀原因和支出计划。")
    chart = _chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, rows["township_name"].to_list(),
                   {"资金结余率（%）": rows["balance_rate_pct"].fill_null(0).round(1).to_list()},
                   Inches(0.4), Inches(1.4), Inches(6.4), Inches(5.8), number_format='0.0"%"',
                   title="各乡镇资金结余率（%，越低越好）")
    chart.category_axis.reverse_order = True
    chart.plots[0].series[0].format.fill.solid()
    chart.plots[0].series[0].format.fill.fore_color.rgb = BAD
    money = towns.sort("allocated_wan", descending=True)
    chart = _chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, money["township_name"].to_list(),
                   {"下达": money["allocated_wan"].round(1).to_list(), "支出": money["spent_wan"].round(1).to_list()},
                   Inches(7.0), Inches(1.4), Inches(6.0), Inches(5.8), number_format="#,##0", legend=True,
                   title="下达与支出（万元）")
    chart.category_axis.reverse_order = True
    for series, colour in zip(chart.plots[0].series, (GREY, BLUE)):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = colour


def _projects_slide(prs, towns: pl.DataFrame) -> None:
    rows = towns.sort("projects", descending=True)
    open_in_time = (rows["projects"] - rows["projects_completed"] - rows["overdue_projects"]).to_list()
    slide = _slide(prs, "本年度项目进展（个）",
                   f"全县本年度项目 {rows['projects'].sum()} 个，已完工 {rows['projects_completed'].sum()} 个，"
                   f"逾期 {rows['overdue_projects'].sum()} 个。逾期项目逐个说明原因和完工时限。")
    chart = _chart(slide, XL_CHART_TYPE.COLUMN_STACKED, rows["township_name"].to_list(),
                   {"已完工": rows["projects_completed"].to_list(), "在建（未逾期）": open_in_time,
                    "逾期": rows["overdue_projects"].to_list()},
                   Inches(0.5), Inches(1.4), WIDTH - Inches(1.0), Inches(5.8), number_format="0", legend=True)
    for series, colour in zip(chart.plots[0].series, (GOOD, GREY, BAD)):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = colour


def _ranking_slide(prs, data: DeckInput) -> None:
    rows = data.ranked.sort("rank")
    red, black = rows.head(3), rows.tail(3).reverse()

    def names(frame):
        return "、".join(f"{r['township_name']}（{r['score']:.1f}，联系县领导 {r.get('county_leader') or '未填'}）"
                        for r in frame.iter_rows(named=True))

    slide = _slide(prs, "乡镇综合排名", f"红榜：{names(red)}。黑榜：{names(black)}。"
                                     "黑榜乡镇说明主要问题（失分最多的指标）和整改措施；名次变化与上季末比较。")
    chart = _chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, [f"{r}. {n}" for r, n in zip(rows["rank"], rows["township_name"])],
                   {"综合得分": rows["score"].round(1).to_list()},
                   Inches(0.4), Inches(1.4), Inches(8.2), Inches(5.8), number_format="0.0")
    chart.category_axis.reverse_order = True
    series = chart.plots[0].series[0]
    for i in range(rows.height):
        point = series.points[i]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = GOOD if i < 3 else (BAD if i >= rows.height - 3 else GREY)
    box = slide.shapes.add_textbox(Inches(8.9), Inches(1.6), Inches(4.0), Inches(5.4)).text_frame
    box.word_wrap = True
    _lines(box, [("红榜", GOOD, True)] + [(f"{r['rank']}. {r['township_name']}　{r['score']:.1f} 分", None, False)
                                         for r in red.iter_rows(named=True)]
           + [("", None, False), ("黑榜", BAD, True)]
           + [(f"{r['rank']}. {r['township_name']}　{r['score']:.1f} 分　{move_word(r.get('move_week'))}", None, False)
              for r in black.iter_rows(named=True)])
    _black_details(box, black)


def _township_slide(prs, data: DeckInput, code: str) -> None:
    rows = data.ranked.filter(pl.col("township_code") == code)
    if not rows.height:
        return
    r = rows.row(0, named=True)
    a = data.now.filter(pl.col("township_code") == code).row(0, named=True)
    county = data.now.filter(pl.col("township_code") == "ALL").row(0, named=True)
    slide = _slide(prs, f"{r['township_name']}：综合排名第 {r['rank']} 名，{r['score']:.1f} 分",
                   f"联系县领导：{r.get('county_leader') or '未填'}。失分最多的是「{r.get('weakest') or '—'}」，"
                   "请乡镇说明原因和下季度措施。")
    table = [("指标", r["township_name"], "全县")]
    for key in KPI_KEYS + ("overdue_projects",):
        m = METRICS[key]
        table.append((m.label, m.format(a[key]), m.format(county[key])))
    _table(slide, table, Inches(0.5), Inches(1.5), Inches(5.6), Inches(5.2), size=16)
    parts = data.contributions.filter(pl.col("township_code") == code).sort("order")
    chart = _chart(slide, XL_CHART_TYPE.BAR_STACKED, parts["label"].to_list(),
                   {"得分": parts["points"].round(1).to_list(), "失分": parts["lost"].round(1).to_list()},
                   Inches(6.4), Inches(1.4), Inches(6.5), Inches(5.6), number_format="0.0", legend=True,
                   title="各项得分与失分（分）")
    chart.category_axis.reverse_order = True
    for series, colour in zip(chart.plots[0].series, (GOOD, BAD)):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = colour


def move_word(move) -> str:
    """进位 / 退位 since the quarter began."""
    if move is None:
        return ""
    return "持平" if move == 0 else (f"进位 {move} 名" if move > 0 else f"退位 {-move} 名")


def _black_details(box, black: pl.DataFrame) -> None:
    for r in black.iter_rows(named=True):
        p = box.add_paragraph()
        run = p.add_run()
        run.text = f"{r['township_name']} 主要问题：{r.get('weakest') or '—'}"
        run.font.size = Pt(16)
        run.font.color.rgb = BAD
    _ea(box)


def _pace_slide(prs, data: DeckInput) -> None:
    """年底进度: per township, weekly exits needed to meet the target by 12-31 against the last four weeks."""
    if data.pace is None or not data.pace.height:
        return
    towns = data.pace.filter((pl.col("township_code") != "ALL") & (pl.col("remaining") > 0)) \
        .sort(["short_by", "remaining"], descending=True)
    county = data.pace.filter(pl.col("township_code") == "ALL")
    c = county.row(0, named=True) if county.height else None
    behind = towns.filter(pl.col("short_by") > 0)["township_name"].to_list()
    slide = _slide(prs, "年底进度：按近四周速度能否完成年度减贫计划",
                   (f"全县还需脱贫 {c['remaining']:,} 人，{c['verdict']}。" if c else "")
                   + (f"按当前速度年底完不成的乡镇：{'、'.join(behind)}，请说明加快措施。" if behind else
                      "各乡镇按当前速度均能在年底前完成年度计划。"))
    if not towns.height:
        box = slide.shapes.add_textbox(Inches(0.8), Inches(1.6), WIDTH - Inches(1.6), Inches(1.0)).text_frame
        _lines(box, [("各乡镇已完成年度减贫计划。", GOOD, False)], size=24)
        return
    shown = towns.head(10)
    rows = [("乡镇", "还需脱贫（人）", "每周需（人）", "近四周每周（人）", "研判")] + [
        (r["township_name"], f"{r['remaining']:,}", "—" if r["needed_per_week"] is None else f"{r['needed_per_week']:.1f}",
         f"{r['pace_per_week']:.1f}", r["verdict"]) for r in shown.iter_rows(named=True)]
    _table(slide, rows, Inches(0.4), Inches(1.3), WIDTH - Inches(0.8), Inches(0.5) * len(rows), size=16,
           widths=(Inches(1.8), Inches(2.0), Inches(1.9), Inches(2.3), Inches(4.53)))


def _open_items(data: DeckInput) -> pl.DataFrame:
    if data.rectify is None or not data.rectify.height:
        return pl.DataFrame()
    return data.rectify.filter(pl.col("status") == "未销号").sort(["deadline", "township_code"])


def _issues_slide(prs, data: DeckInput) -> None:
    """问题清单: the open 整改 items, by township, with the deadline (the longest list is cut, and says so)."""
    items = _open_items(data)
    slide = _slide(prs, "问题清单", "逐项点名未销号的整改事项，责任乡镇说明进展；超期未销号的重点督办。")
    if not items.height:
        box = slide.shapes.add_textbox(Inches(0.8), Inches(1.6), WIDTH - Inches(1.6), Inches(1.0)).text_frame
        _lines(box, [("整改销号清单中没有未销号的事项。", None, False)], size=24)
        return
    shown = items.head(10)
    rows = [("序号", "整改事项", "责任乡镇", "完成时限")] + [
        (str(i), r["text"], r["township_name"], f"{r['deadline']:%Y-%m-%d}" + ("（超期）" if r["deadline"] < data.as_of else ""))
        for i, r in enumerate(shown.iter_rows(named=True), start=1)]
    _table(slide, rows, Inches(0.4), Inches(1.3), WIDTH - Inches(0.8), Inches(0.5) * len(rows), size=14,
           widths=(Inches(0.8), Inches(8.3), Inches(1.6), Inches(1.83)))
    if items.height > shown.height:
        box = slide.shapes.add_textbox(Inches(0.4), HEIGHT - Inches(0.5), WIDTH - Inches(0.8), Inches(0.4)).text_frame
        _lines(box, [(f"另有 {items.height - shown.height} 项未销号，见整改销号清单。", None, False)], size=14)


def _plan_slide(prs, data: DeckInput) -> None:
    """下季度安排: per township, how many open items fall due next quarter and the first deadline."""
    items = _open_items(data)
    next_end = _next_quarter_end(data.as_of)
    slide = _slide(prs, "下季度安排", "按乡镇部署下季度整改任务：到期事项逐项销号，超期事项由联系县领导督办。")
    lines = [("一、整改销号", BLUE, True)]
    if items.height:
        by_town = (items.group_by("township_name")
                   .agg(n=pl.len(), late=(pl.col("deadline") < data.as_of).sum(), first=pl.col("deadline").min())
                   .sort(["late", "n"], descending=True))
        for r in by_town.head(8).iter_rows(named=True):
            late = f"，其中超期 {r['late']} 项" if r["late"] else ""
            lines.append((f"{r['township_name']}：{r['n']} 项未销号{late}，{r['first']:%-m月%-d日}前完成第一项", None, False))
    else:
        lines.append(("整改销号清单中没有未销号的事项。", None, False))
    county = data.now.filter(pl.col("township_code") == "ALL").row(0, named=True)
    left = max((county["target_exit_persons"] or 0) - (county["exited_persons_ytd"] or 0), 0)
    lines += [("", None, False), ("二、年度目标", BLUE, True),
              (f"至 {next_end:%Y年%-m月%-d日}：全县还需脱贫 {left:,} 人（计划 {county['target_exit_persons']:,} 人）", None, False)]
    box = slide.shapes.add_textbox(Inches(0.8), Inches(1.4), WIDTH - Inches(1.6), Inches(5.6)).text_frame
    box.word_wrap = True
    _lines(box, lines, size=20)


def _next_quarter_end(day: dt.date) -> dt.date:
    month = ((day.month - 1) // 3 + 1) * 3 + 3
    year = day.year + (month > 12)
    month = (month - 1) % 12 + 1
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def _slide_numbers(prs) -> None:
    """第 n / N 页 in the lower right of every slide but the title slide."""
    total = len(prs.slides)
    for n, slide in enumerate(prs.slides, start=1):
        if n == 1:
            continue
        box = slide.shapes.add_textbox(WIDTH - Inches(2.0), HEIGHT - Inches(0.45), Inches(1.8), Inches(0.4))
        box.name = "slide-number"
        p = box.text_frame.paragraphs[0]
        p.alignment = PP_ALIGN.RIGHT
        run = p.add_run()
        run.text = f"{n} / {total}"
        run.font.size = Pt(14)
        run.font.color.rgb = RGBColor(0x60, 0x7D, 0x8B)
        _ea(box.text_frame)


# --- helpers ------------------------------------------------------------------------------------------------

def _chart(slide, kind, categories, series: dict[str, list], x, y, cx, cy, *, number_format: str,
           legend: bool = False, title: str | None = None):
    data = CategoryChartData(number_format=number_format)
    data.categories = categories
    for name, values in series.items():
        data.add_series(name, values)
    chart = slide.shapes.add_chart(kind, x, y, cx, cy, data).chart
    chart.font.size = Pt(12)
    chart.font.name = FONT
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = number_format
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(10)
    if title:
        chart.has_title = True
        chart.chart_title.text_frame.text = title
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
        _ea(chart.chart_title.text_frame)
    else:
        chart.has_title = False
    return chart


def _table(slide, rows, x, y, cx, cy, *, size: int, widths=None) -> None:
    shape = slide.shapes.add_table(len(rows), len(rows[0]), x, y, cx, Emu(int(cy)))
    for column, width in zip(shape.table.columns, widths or ()):
        column.width = width
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            cell = shape.table.cell(i, j)
            cell.text = str(text)
            run = cell.text_frame.paragraphs[0].runs[0]
            run.font.size = Pt(size)
            run.font.bold = i == 0
            _ea(cell.text_frame)


def _lines(tf, lines, size: int = 18) -> None:
    for i, (text, colour, bold) in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        run = p.add_run()
        run.text = text
        run.font.size = Pt(size + 4 if bold else size)
        run.font.bold = bold
        if colour is not None:
            run.font.color.rgb = colour
    _ea(tf)


def _ea(text_frame) -> None:
    """Set the East Asian typeface on every run, which is what PowerPoint uses for Chinese."""
    for p in text_frame.paragraphs:
        for run in p.runs:
            rpr = run._r.get_or_add_rPr()
            ea = rpr.find(qn("a:ea"))
            if ea is None:
                ea = rpr.makeelement(qn("a:ea"), {})
                rpr.append(ea)
            ea.set("typeface", FONT)


def _notes(slide, text: str) -> None:
    slide.notes_slide.notes_text_frame.text = text
