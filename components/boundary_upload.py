"""导入乡镇边界 on the 数据导入 page: upload a GIS office's file, see the match table, fix names, publish.

The clerk (数据管理员; everyone when no login is set up) uploads a GeoJSON, a Shapefile's parts or a .zip
of them, sees which feature became which township and how (prefix stripped, Traditional script, the
mapping file …), picks townships for unmatched features (saved to the county's mapping file, so the next
file from the same office matches by itself), looks at the shapes, and publishes through the same path
as `python -m ingest boundaries` (ingest/boundaries_cli.py: a new version in which only the matched
townships' shapes change). Nothing is published while a township or a feature that may be the county's
is unmatched, unless the clerk says the file covers part of the county.

The table and figure builders are pure functions; the Streamlit part is `boundary_upload`. Reading and
publishing go through ingest, as the rest of the page does.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
import time
from pathlib import Path

import plotly.graph_objects as go
import polars as pl
import streamlit as st
from shapely.geometry import shape

from access import audit
from access.files import private_dir
from ingest.boundaries import MATCHED, OTHER_COUNTY, UNMATCHED, BoundaryFileError, BoundaryMatch
from ingest.boundaries_cli import Plan, plan, publish_boundaries
from ingest.boundary_names import SKIP_WORDS, mapping_path, save_mapping
from ingest.zip_limits import zip_problem

BOUNDARY_ROLES = (None, "数据管理员")  # boundaries change every map: the clerk's job only
UPLOAD_TYPES = ("geojson", "json", "zip", "shp", "dbf", "shx", "prj", "cpg")
MAX_UPLOAD_MB = 200
MAX_EDITABLE = 200  # unmatched features offered for mapping on the page; more means a wrong file
UPLOAD_DIR = Path(tempfile.gettempdir()) / "warroom-boundary-uploads"
KEEP_UPLOADS_SECONDS = 24 * 3600
SKIP = SKIP_WORDS[0]
UNCHOSEN = "（未选择）"
_PLAN = "_boundary_plan"
_FLASH = "_boundary_flash"
_UPLOADER = "_boundary_uploader"
NEW_COLOUR, KEPT_COLOUR = "#1565c0", "#9e9e9e"


# ---------------------------------------------------------------------------------------------------
# Pure builders


def match_table(result: BoundaryMatch) -> pl.DataFrame:
    """One row per feature of this county (other counties' features are summed up in a note)."""
    rows = [r for r in result.rows if r.status != OTHER_COUNTY]
    return pl.DataFrame({
        "序号": [r.number for r in rows],
        "文件中的名称": [r.name for r in rows],
        "对应乡镇": [r.township if r.status == MATCHED else r.status for r in rows],
        "匹配方式": [r.how or "—" for r in rows],
        "相近的乡镇": ["、".join(r.suggestions) if r.suggestions else "" for r in rows],
    }, schema={"序号": pl.Int64, "文件中的名称": pl.String, "对应乡镇": pl.String, "匹配方式": pl.String,
               "相近的乡镇": pl.String})


def township_options(name_of: dict[str, str]) -> list[str]:
    return [UNCHOSEN, SKIP] + [f"{name}（{code}）" for code, name in name_of.items()]


def code_of_option(option: str | None) -> str | None:
    """"白沙镇（431299103）" -> 431299103; 不导入 -> 不导入; nothing chosen -> None."""
    if not option or option == UNCHOSEN:
        return None
    if option == SKIP:
        return SKIP
    return option.rsplit("（", 1)[-1].rstrip("）")


def unmatched_editor_frame(result: BoundaryMatch, name_of: dict[str, str]) -> pl.DataFrame:
    """Unmatched features with the nearest township pre-selected when there is exactly one suggestion."""
    by_name = {name: f"{name}（{code}）" for code, name in name_of.items()}
    rows = [r for r in result.rows if r.status == UNMATCHED][:MAX_EDITABLE]
    return pl.DataFrame({
        "文件中的名称": [r.name for r in rows],
        "对应乡镇": [by_name.get(r.suggestions[0], UNCHOSEN) if len(r.suggestions) == 1 else UNCHOSEN for r in rows],
    }, schema={"文件中的名称": pl.String, "对应乡镇": pl.String})


def _rings(geometry_text: str):
    geom = shape(json.loads(geometry_text))
    for polygon in getattr(geom, "geoms", [geom]):
        for ring in [polygon.exterior, *polygon.interiors]:
            xs, ys = ring.xy
            yield list(xs), list(ys)


def preview_figure(new: dict[str, str], kept: dict[str, str], names: dict[str, str], height: int = 420) -> go.Figure:
    """The county as it will be served: shapes from this file in blue with their names, kept ones in grey.
    Longitude/latitude on equal-distance axes, no map tiles (the intranet has none)."""
    fig = go.Figure()
    for shapes, colour, label, fill in ((kept, KEPT_COLOUR, "沿用原有边界", "rgba(158,158,158,0.15)"),
                                        (new, NEW_COLOUR, "本文件的边界", "rgba(21,101,192,0.18)")):
        xs, ys = [], []
        for text in shapes.values():
            for rx, ry in _rings(text):
                xs += rx + [None]
                ys += ry + [None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill, name=label,
                                     line=dict(color=colour, width=1.2), hoverinfo="skip"))
    if new:
        points = [shape(json.loads(t)).representative_point() for t in new.values()]
        fig.add_trace(go.Scatter(x=[p.x for p in points], y=[p.y for p in points], mode="text",
                                 text=[names.get(c, c) for c in new], textfont=dict(size=11, color="#0d2b52"),
                                 hoverinfo="text", showlegend=False))
    lats = [y for trace in fig.data for y in (trace.y or []) if y is not None]
    ratio = 1 / max(math.cos(math.radians(sum(lats) / len(lats))), 0.2) if lats else 1
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=ratio)
    fig.update_layout(height=height, margin=dict(l=0, r=0, t=10, b=0), plot_bgcolor="white",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0), dragmode="pan")
    return fig


def page_refusal(result: BoundaryMatch) -> str:
    """Why the page will not publish yet, and the two ways on."""
    parts = []
    if result.unmatched_features:
        parts.append(f"{len(result.unmatched_features)} 个可能属于本县的要素未匹配")
    if result.missing_townships:
        parts.append(f"{len(result.missing_townships)} 个乡镇在文件中没有边界")
    return (f"{'，'.join(parts)}。请在上方「未匹配的要素」中选择对应的乡镇并保存；若文件本来只含部分乡镇，"
            "勾选下面的选项，只更新已匹配的乡镇，其余乡镇保留原有边界。")


def summary_text(p: Plan) -> str:
    return f"更新乡镇边界 {len(p.updated)} 个，沿用原有边界 {len(p.kept)} 个"


# ---------------------------------------------------------------------------------------------------
# Streamlit


def _stage(uploads: list) -> tuple[Path, str, str] | str:
    """The uploaded file(s) on disk as one readable path, with a display name and a digest; or why not."""
    total = sum(u.size for u in uploads)
    if total > MAX_UPLOAD_MB * 1024**2:
        return f"文件超过 {MAX_UPLOAD_MB} MB，请先在 GIS 软件中裁剪到本县"
    digest = hashlib.sha256()
    for u in sorted(uploads, key=lambda u: u.name):
        digest.update(u.name.encode("utf-8") + b"\0" + u.getvalue())
    sha = digest.hexdigest()
    private_dir(UPLOAD_DIR)
    for old in UPLOAD_DIR.iterdir():
        if old.is_dir() and time.time() - old.stat().st_mtime > KEEP_UPLOADS_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    folder = private_dir(UPLOAD_DIR / sha)
    for u in uploads:
        (folder / Path(u.name).name).write_bytes(u.getvalue())
    suffixes = {Path(u.name).suffix.lower(): u for u in uploads}
    if len(uploads) == 1 and Path(uploads[0].name).suffix.lower() in (".geojson", ".json", ".zip"):
        if Path(uploads[0].name).suffix.lower() == ".zip":
            bomb = zip_problem(uploads[0].getvalue(), uploads[0].name)
            if bomb:
                return bomb
        return folder / Path(uploads[0].name).name, uploads[0].name, sha
    if ".shp" in suffixes and ".dbf" in suffixes:
        shp = suffixes[".shp"].name
        return folder / Path(shp).name, "、".join(sorted(u.name for u in uploads)), sha
    return ("请上传一个 GeoJSON（.geojson）文件、一个 .zip 压缩包，或同时选择 Shapefile 的 .shp 与 .dbf"
            "（最好连同 .prj、.shx、.cpg）")


def _planned(path: Path, db: Path, sha: str, county: str) -> Plan | str:
    """The match of this upload, from the session (same file, county and mapping file) or made now."""
    names = mapping_path(db)
    key = (sha, county, names.stat().st_mtime_ns if names.exists() else 0, str(db))
    cached = st.session_state.get(_PLAN)
    if cached and cached[0] == key:
        return cached[1]
    try:
        with st.spinner("正在读取并匹配边界文件……"):
            planned = plan(path, db, county=county or None)
    except BoundaryFileError as exc:
        planned = f"边界文件有误：{exc}"
    st.session_state[_PLAN] = (key, planned)
    return planned


def _mapping_editor(p: Plan, name_of: dict[str, str]) -> None:
    frame = unmatched_editor_frame(p.result, name_of)
    if not frame.height:
        return
    st.markdown(f"**未匹配的要素（{len(p.result.unmatched_features)} 个）**：选择对应的乡镇（不属于任何乡镇的选「{SKIP}」），"
                f"保存到名称对照表 `{p.names_file.name}` 后重新匹配；以后同样的名称会自动对应。")
    edited = st.data_editor(
        frame, key=f"boundary-map-{p.file.sha256[:12]}", hide_index=True, width="stretch",
        disabled=["文件中的名称"],
        column_config={"对应乡镇": st.column_config.SelectboxColumn(options=township_options(name_of), required=False)})
    chosen = {name: code_of_option(option) for name, option in zip(edited["文件中的名称"], edited["对应乡镇"])}
    chosen = {k: v for k, v in chosen.items() if v}
    if st.button("保存到名称对照表并重新匹配", key="boundary-save-names", icon=":material/save:",
                 disabled=not chosen):
        save_mapping(p.names_file, chosen)
        st.session_state.pop(_PLAN, None)
        st.rerun()


def _publish(path: Path, db: Path, county: str, shown: Plan, display_name: str, user: str) -> None:
    """Match again right before publishing: the served data or the mapping may have changed since."""
    try:
        fresh = plan(path, db, county=county or None)
        if fresh.updated != shown.updated or fresh.served != shown.served:
            st.session_state[_PLAN] = None
            st.warning("数据或名称对照表在此期间有变化，匹配结果已更新：请核对后再发布。", icon=":material/refresh:")
            return
        with st.spinner("正在发布新版本……"):
            version = publish_boundaries(db, fresh.served, fresh.result, display_name, fresh.file.sha256, user)
    except BoundaryFileError as exc:
        audit.record_session(audit.IMPORT_REFUSED, f"乡镇边界 {display_name}：{str(exc)[:120]}", success=False)
        st.error(f"未发布：{exc}", icon=":material/block:")
        return
    audit.record_session(audit.IMPORT, f"乡镇边界 {display_name} → {version.name}（{summary_text(fresh)}）")
    shutil.rmtree(path.parent, ignore_errors=True)
    st.session_state.pop(_PLAN, None)
    st.session_state[_UPLOADER] = st.session_state.get(_UPLOADER, 0) + 1
    st.session_state[_FLASH] = f"已发布新版本 {version.name}（{summary_text(fresh)}）。挂图作战将在下一次操作时显示新边界。"
    st.rerun()


def boundary_upload(db: Path, role: str | None, user: str) -> None:
    """The 乡镇边界 section of the 数据导入 page."""
    st.subheader("乡镇边界")
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    if role not in BOUNDARY_ROLES:
        st.caption("导入乡镇边界需数据管理员权限。")
        return
    st.caption("上传国土、民政等部门提供的乡镇界线：GeoJSON（.geojson）、Shapefile（同时选择 .shp、.dbf，最好连同 .prj）"
               "或它们的 .zip。名称可带省市县前缀、可为繁体；全市、全省的文件也可以，其他县的要素会自动略去。"
               "只更新文件中已匹配的乡镇，其余乡镇保留原有边界。")
    if not st.toggle("导入乡镇边界文件", key="boundary-open"):  # rare work: the uploader only when asked for
        st.session_state.pop(_PLAN, None)
        return
    uploads = st.file_uploader(f"选择边界文件（.geojson、.zip，或 Shapefile 的 .shp、.dbf、.prj 等，每个不超过 "
                               f"{MAX_UPLOAD_MB} MB）", type=list(UPLOAD_TYPES), accept_multiple_files=True,
                               key=f"boundary-upload-{st.session_state.get(_UPLOADER, 0)}")
    if not uploads:
        st.session_state.pop(_PLAN, None)
        return
    staged = _stage(uploads)
    if isinstance(staged, str):
        st.error(staged, icon=":material/block:")
        return
    path, display_name, sha = staged
    county = st.text_input("本县名称（可选）", key="boundary-county", placeholder="如 某某县",
                           help="全市、全省的文件中，若无法自动判断哪个县是本县，请填写本县名称").strip()
    p = _planned(path, db, sha, county)
    if isinstance(p, str):
        st.error(p + "。当前数据保持不变。", icon=":material/block:")
        return
    result = p.result
    if result.notes:
        st.info("\n\n".join(result.notes), icon=":material/info:")
    cols = st.columns(4)
    cols[0].metric("更新乡镇", f"{len(p.updated)} 个")
    cols[1].metric("沿用原有边界", f"{len(p.kept)} 个")
    cols[2].metric("未匹配要素", f"{len(result.unmatched_features)} 个")
    cols[3].metric("文件中没有的乡镇", f"{len(result.missing_townships)} 个")
    st.markdown("**匹配表**（文件中的名称 → 乡镇）")
    st.dataframe(match_table(result), hide_index=True, width="stretch",
                 height=min(38 + 35 * max(len(result.rows) - len(result.other_county), 1), 400),
                 column_config={"序号": st.column_config.NumberColumn(width=48),
                                "文件中的名称": st.column_config.TextColumn(width="medium"),
                                "对应乡镇": st.column_config.TextColumn(width=90),
                                "匹配方式": st.column_config.TextColumn(width="large")})
    name_of = p.townships
    _mapping_editor(p, name_of)
    if result.missing_townships:
        st.markdown("**文件中没有的乡镇**：" + "；".join(
            t + (f"（文件中相近的名称：{'、'.join(result.missing_suggestions[t])}）" if result.missing_suggestions.get(t) else "")
            for t in result.missing_townships))
    if result.skipped:
        st.caption("已跳过：" + "；".join(f"{label}：{reason}" for label, reason in result.skipped))
    if result.shapes.height:
        new = dict(zip(result.shapes["township_code"], result.shapes["geometry"]))
        kept = {c: t for c, t in p.stored_shapes.items() if c not in new}
        st.plotly_chart(preview_figure(new, kept, name_of), key="boundary-preview",
                        config={"displayModeBar": False, "scrollZoom": True})
    partial = False
    if result.shapes.height == 0:
        st.error("没有一个要素能匹配到本县的乡镇，不能发布。当前数据保持不变。", icon=":material/block:")
    elif not result.complete:
        st.warning(page_refusal(result), icon=":material/warning:")
        partial = st.checkbox("文件本来只含部分乡镇：只更新已匹配的乡镇，其余乡镇保留原有边界", key="boundary-partial")
    ready = result.shapes.height > 0 and (result.complete or partial)
    if st.button(f"发布乡镇边界（{summary_text(p)}）", type="primary", icon=":material/publish:",
                 key="boundary-publish", disabled=not ready):
        _publish(path, db, county, p, display_name, user)

