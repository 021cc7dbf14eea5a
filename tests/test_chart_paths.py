"""Issue 18: the cheap chart paths draw what the old ones drew, and a province's township charts draw both
ends and the viewer's own (components/long_lists), with the caption.

The old paths (update_layout, Python lists, inert_links rewriting every array) are kept in
tests/reference_charts.py; every figure of the 一升一降 / 资金 / 项目 / 总览 builders is compared as the JSON
Streamlit sends, on the demo county at three dates (one before any data: every bar 0)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import duckdb
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
import pytest
import reference_charts as old
from plotly.subplots import make_subplots

import settings
from components import charts, funds_charts, poverty_charts, project_charts
from components.long_lists import DRAWN_ENDS
from components.text import inert_links
from queries.indicators import township_indicators
from queries.runner import Database

BUILT = (charts, poverty_charts, funds_charts, project_charts)


def sent(fig: go.Figure):
    """What st.plotly_chart sends, parsed; a numeric numpy array goes as a typed array (base64 "bdata"), read
    back as the list of its values, so a numpy array and a list of the same values compare equal."""
    return _plain(json.loads(pio.to_json(fig, validate=False)))


def _plain(node):
    if isinstance(node, dict):
        if set(node) >= {"bdata", "dtype"}:
            values = np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"])
            return values.reshape(node["shape"]).tolist() if "shape" in node else values.tolist()
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def frames(db: Database, as_of: dt.date, township: str, config) -> dict:
    """The pages' frames, queried once (a float sum may differ in its last digit from one run to the next)."""
    indicators = township_indicators(db, as_of, config)
    return dict(
        as_of=as_of, indicators=indicators,
        mark=indicators.filter(pl.col("township_code") == township)["township_name"][0],
        summary=db.run("projects_summary", as_of=as_of, township="ALL"),
        projects=db.run("projects_of_year", as_of=as_of, township=township),
        structure=db.run("poverty_breakdown", as_of=as_of, township="ALL", village="ALL"),
        trend=db.run("poverty_monthly_trend", as_of=as_of, township="ALL"),
        villages=db.run("poverty_by_village", as_of=as_of, township=township),
        monthly=db.run("funds_monthly", as_of=as_of, township="ALL"),
        sources=db.run("funds_by_source", as_of=as_of, township="ALL"))


def figures(f: dict, config) -> list[go.Figure]:
    indicators, mark, summary = f["indicators"], f["mark"], f["summary"]
    out = [
        charts.highlight(charts.target_vs_time(indicators, config.lag_threshold_pp), mark),
        charts.highlight(poverty_charts.incidence_drop_by_township(indicators), mark),
        charts.highlight(poverty_charts.income_growth_by_township(indicators, config.income_growth_benchmark_pct), mark),
        charts.highlight(poverty_charts.quadrant(indicators, config.income_growth_benchmark_pct), mark),
        poverty_charts.monthly_trend(f["trend"]),
        poverty_charts.village_incidence(f["villages"], config.village_exit_incidence_max_pct),
        poverty_charts.breakdown(f["structure"], "main_cause", "按主要致贫原因"),
        charts.highlight(funds_charts.township_spend_progress(indicators), mark),
        charts.highlight(funds_charts.industry_share(indicators, config.industry_share_min_pct), mark),
        funds_charts.cumulative_spend(f["monthly"]),
        funds_charts.allocated_vs_spent(f["sources"], "source", "t", 50.0),
        project_charts.by_status(summary),
        project_charts.by_category(summary),
        project_charts.by_township(summary, mark=mark),
    ]
    if f["projects"].height:
        out.append(project_charts.timeline(f["projects"], f["as_of"]))
    return out


@pytest.fixture(scope="module")
def demo(demo_db):
    with Database.open(demo_db) as db:
        yield db, db.data_as_of()


@pytest.mark.parametrize("when", ["data date", "year end", "before the data"])
def test_every_builder_sends_the_same_figure_as_the_old_layout_path(demo, monkeypatch, when):
    db, latest = demo
    as_of = {"data date": latest, "year end": dt.date(latest.year - 1, 12, 31),
             "before the data": dt.date(2013, 6, 30)}[when]
    config = settings.load()
    township = db.run("townships")["township_code"][3]
    data = frames(db, as_of, township, config)
    new = [sent(f) for f in figures(data, config)]
    for module in BUILT:  # the builders as they were: old base_layout, target_vs_time and highlight
        monkeypatch.setattr(module, "base_layout", old.base_layout, raising=False)
        monkeypatch.setattr(module, "highlight", old.highlight, raising=False)
    monkeypatch.setattr(charts, "target_vs_time", old.target_vs_time)
    reference = [sent(f) for f in figures(data, config)]
    assert len(new) == len(reference) >= 14
    for mine, theirs in zip(new, reference):
        assert mine == theirs, theirs["layout"]["title"]["text"]


def test_subplots_and_date_axes_match_the_old_layout_path():
    """Two x axes, a date axis with and without its own tickformat, an all-zero bar chart."""
    def build(base):
        fig = make_subplots(rows=1, cols=2)
        fig.add_trace(go.Bar(x=["东山镇", "西河乡"], y=[0, 0]), row=1, col=1)
        fig.add_trace(go.Scatter(x=[dt.date(2020, 1, 31), dt.date(2020, 2, 29)], y=[1, 2]), row=1, col=2)
        fig.update_xaxes(tickformat="%m月", row=1, col=2)
        fig.update_layout(legend=dict(bgcolor="#fafafa", x=0.2), margin=dict(b=40))
        return base(fig, "标题", height=300)

    new, reference = sent(build(charts.base_layout)), sent(build(old.base_layout))
    assert new == reference
    assert new["layout"]["yaxis"]["range"] == [0, 1] and new["layout"]["xaxis2"]["tickformat"] == "%m月"
    legend = new["layout"]["legend"]  # the builder's legend merged with ours, ours winning where both set
    assert (legend["bgcolor"], legend["x"], new["layout"]["margin"]["b"]) == ("#fafafa", 1, 10)


@pytest.mark.parametrize("position", ["top right", "bottom right", "top left", "bottom left", None])
def test_hline_draws_what_add_hline_draws(position):
    def build(draw):
        fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
        note = dict(annotation_text="全县 2.00", annotation_position=position,
                    annotation_font=dict(color="#1565c0")) if position else {}
        draw(fig, 2.5, line=dict(color="#1565c0", dash="dash", width=2), **note)
        draw(fig, 7, yref="y2", line=dict(color="red"), **({"annotation_text": "退出标准"} if position else {}))
        return fig

    assert sent(build(charts.hline)) == sent(build(lambda fig, y, **kw: fig.add_hline(y=y, **kw)))


def test_inert_links_leaves_arrays_without_a_tag_untouched_and_escapes_the_rest():
    names = np.array(["东山镇", "西河乡"], dtype=object)
    fig = go.Figure(go.Bar(x=names, y=np.array([1.0, 2.0]), text=["1<br>2", "3"]))
    before = fig.data[0].x
    assert inert_links(fig).data[0].x is before  # not rebuilt (and not revalidated) when it holds no tag
    link = '<a href="http://evil.example/">登录</a>'
    for build in (lambda: go.Figure(go.Bar(x=np.array([link, "西河乡"], dtype=object), y=[1, 2], text=[link, "x"])),
                  lambda: go.Figure(go.Bar(x=[link, "西河乡"], y=[1, 2]), layout=dict(title=dict(text=link)))):
        assert sent(inert_links(build())) == sent(old.inert_links(build()))
    assert inert_links(build()).layout.title.text.startswith("&lt;a href")


def province(n: int = 100) -> pl.DataFrame:
    """n townships: township i (乡00 … 乡99) has target progress i %, lags below 50 %; 乡07 has no plan."""
    values = [None if i == 7 else float(i) for i in range(n)]
    return pl.DataFrame({
        "township_code": [f"T{i:02d}" for i in range(n)], "township_name": [f"乡{i:02d}" for i in range(n)],
        "target_progress_pct": values, "time_progress_pct": [80.0] * n,
        "lagging": [v is not None and v < 50 for v in values],
        "exited_persons_ytd": list(range(n)), "target_exit_persons": [100] * n})


def test_a_province_draws_both_ends_and_the_viewers_township_with_a_caption():
    frame = province()
    fig = charts.highlight(charts.target_vs_time(frame, 10, mark="乡50"), "乡50")
    drawn = list(fig.data[0].x)
    # by hand: progress 99 … 85 (15), then 乡50, then the last 15: 14 … 8, 6 … 0 (14) and 乡07 (no plan, last)
    assert drawn == ([f"乡{i:02d}" for i in range(99, 84, -1)] + ["乡50"]
                     + [f"乡{i:02d}" for i in (14, 13, 12, 11, 10, 9, 8, 6, 5, 4, 3, 2, 1, 0)] + ["乡07"])
    assert len(drawn) == 2 * DRAWN_ENDS + 1 == 31
    colours = dict(zip(drawn, fig.data[0].marker.color))
    assert colours["乡99"] == charts.GOOD and colours["乡13"] == charts.BAD and colours["乡07"] == charts.NEUTRAL
    assert dict(zip(fig.layout.xaxis.tickvals, fig.layout.xaxis.ticktext))["乡50"] == "<b>▶乡50</b>"
    assert charts.township_note(fig, 100, "年度目标进度最高和最低", mark="乡50") == (
        "共 100 个乡镇，图中只画年度目标进度最高和最低的各 15 个及本乡镇；全部乡镇见表格和下载。")
    county = charts.target_vs_time(frame.head(40), 10)
    assert len(county.data[0].x) == 40 and charts.township_note(county, 40, "x") is None


def test_a_province_quadrant_dots_every_township_and_names_the_cut():
    n = 100
    frame = pl.DataFrame({
        "township_code": [f"T{i:02d}" for i in range(n)] + ["ALL"],
        "township_name": [f"乡{i:02d}" for i in range(n)] + ["全省"],
        "incidence_drop_pp": [float(i) for i in range(n)] + [50.0],
        "income_growth_pct": [float(n - i) for i in range(n)] + [9.0]})
    fig = charts.highlight(poverty_charts.quadrant(frame, 9.0, mark="乡42"), "乡42")
    cloud, named = fig.data
    assert cloud.x.size == 100 and cloud.text is None
    # colour codes: good on 一降 (≥ 50) and on 一升 (100 − i ≥ 9, i ≤ 91) → 2; one of them → 1
    assert list(cloud.marker.color[[0, 49, 50, 91, 92, 99]]) == [1, 1, 2, 2, 1, 1]
    names = [t.replace("<b>", "").replace("</b>", "") for t in named.text]
    assert names == [f"乡{i:02d}" for i in range(99, 84, -1)] + ["乡42"] + [f"乡{i:02d}" for i in range(14, -1, -1)]
    assert named.text[15] == "<b>乡42</b>"
    small = poverty_charts.quadrant(frame.tail(41), 9.0)  # 40 townships and the county: one named trace
    assert len(small.data) == 1 and len(small.data[0].text) == 40


OLD_BREAKDOWN = """
WITH counted AS (
    SELECT h.size, h.main_cause, h.attribute, s.event IN ('纳入', '返贫') AS is_poor
    FROM household_spans s JOIN households h USING (household_id)
    WHERE s.valid_from <= $as_of::DATE AND $as_of::DATE < s.valid_to AND s.event <> '清退'
      AND ($township = 'ALL' OR s.township_code = $township)
)
SELECT CASE WHEN grouping(main_cause) = 0 THEN 'main_cause' ELSE 'attribute' END AS dimension,
       coalesce(main_cause, attribute) AS category,
       count(*) FILTER (WHERE is_poor) AS poor_households,
       CAST(coalesce(sum(size) FILTER (WHERE is_poor), 0) AS BIGINT) AS poor_persons,
       count(*) FILTER (WHERE NOT is_poor) AS exited_households,
       CAST(coalesce(sum(size) FILTER (WHERE NOT is_poor), 0) AS BIGINT) AS exited_persons,
       count(*) AS registered_households
FROM counted
GROUP BY GROUPING SETS ((main_cause), (attribute))
ORDER BY dimension DESC, registered_households DESC, category
"""


def test_poverty_breakdown_reads_the_spans_alone_and_counts_as_the_join_did(demo):
    """贫困户结构 from household_spans' own 致贫原因 and 属性 (ingest/derived.sql) = the old join with households, for
    the county and two townships at four dates."""
    db, latest = demo
    with duckdb.connect(str(db.version), read_only=True) as con:
        for as_of in (latest, latest - dt.timedelta(days=30), dt.date(latest.year - 1, 12, 31), dt.date(2015, 3, 1)):
            for township in ["ALL", *db.run("townships")["township_code"][:2]]:
                params = dict(as_of=as_of, township=township)
                new = db.run("poverty_breakdown", **params, village="ALL")
                assert new.height and new.equals(con.sql(OLD_BREAKDOWN, params=params).pl()), params
