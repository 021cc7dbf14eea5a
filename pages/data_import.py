"""数据导入: the clerk uploads an export, sees every problem with its sheet, row and column, downloads the
marked error report, and publishes a new database version only when nothing blocks it.

The page never opens the database: validating and publishing go through ingest (the one write path, which
builds a new version file and switches the pointer atomically); history and warnings come from
app_data.run. After a publish the page reruns, and every session picks the new version up on its next
interaction (app_data.pin_version resolves the pointer on every run).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from pathlib import Path

import polars as pl
import streamlit as st

import app_data
from components.import_views import history_table, problems_table, warnings_table
from components.tables import table_with_download
from ingest.error_report import error_report_bytes
from ingest.load import check, load
from ingest.problems import ERROR, WARNING

app_data.require_shell()

MAX_UPLOAD_MB = 200  # also server.maxUploadSize in .streamlit/config.toml
# Roles that may publish (access.roles: 数据管理员 imports; 县领导 may too). None: no login in this setup.
PUBLISH_ROLES = (None, "数据管理员", "县领导")
UPLOAD_DIR = Path(tempfile.gettempdir()) / "warroom-uploads"
KEEP_UPLOADS_SECONDS = 24 * 3600
_CHECKED = "_import_checked"
_FLASH = "_import_flash"


def _who() -> str:
    user = st.session_state.get("user")
    if user is None:
        return "（未登录）"
    return f"{getattr(user, 'name', user)}（{getattr(user, 'username', '')}）"


def _save_upload(name: str, data: bytes, digest: str) -> Path:
    """Keep the upload on disk under its own name (the import log records it) until it is published."""
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    for old in UPLOAD_DIR.iterdir():  # uploads nobody published
        if old.is_dir() and time.time() - old.stat().st_mtime > KEEP_UPLOADS_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    folder = UPLOAD_DIR / digest
    folder.mkdir(exist_ok=True)
    path = folder / Path(name).name
    path.write_bytes(data)
    return path


def _type_problem(name: str, data: bytes) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".zip"):
        return "只接受 Excel 工作簿（.xlsx）或 CSV 文件的压缩包（.zip）"
    if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
        return f"文件超过 {MAX_UPLOAD_MB} MB，请分批导出（例如只导出本周更新的表）"
    if not data.startswith(b"PK\x03\x04"):  # both .xlsx and .zip are zip containers
        return f"文件内容不是 {suffix} 格式（可能是改了扩展名的其他文件），请从系统重新导出"
    return None


def _validate(upload) -> dict | None:
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    checked = st.session_state.get(_CHECKED)
    if checked and checked["sha256"] == digest:
        return checked
    problem = _type_problem(upload.name, data)
    if problem:
        st.error(problem, icon=":material/block:")
        return None
    path = _save_upload(upload.name, data, digest)
    with st.status(f"正在校验 {upload.name} ……", expanded=True) as status:
        bar = st.progress(0.0, text="读取文件")
        export, problems, validated = check(path, app_data.db_path(),
                                            progress=lambda f, text: bar.progress(min(f / 0.3, 1.0) * 0.8, text=text))
        frame = problems.frame()
        bar.progress(0.9, text="生成问题清单")
        report = error_report_bytes(frame, export) if frame.height else None
        errors = int((frame["severity"] == ERROR).sum())
        bar.progress(1.0, text="校验完成")
        status.update(label=f"校验完成：{upload.name}", state="error" if errors else "complete", expanded=False)
    rows = {label: raw.frame.height for label, raw in export.sheets.items()}
    kept = [t for t in validated.tables if t not in validated.provided]
    checked = {"sha256": digest, "name": upload.name, "path": str(path), "problems": frame, "report": report,
               "rows": rows, "kept": len(kept), "errors": errors}
    st.session_state[_CHECKED] = checked
    return checked


def _publish(checked: dict) -> None:
    with st.status("正在发布新版本……", expanded=True) as status:
        bar = st.progress(0.0)
        result = load(Path(checked["path"]), app_data.db_path(), user=_who(),
                      progress=lambda f, text: bar.progress(f, text=text))
        if result.published is None:  # the served data changed since the check, or the file did
            status.update(label="发布被拒绝：发现错误，当前数据保持不变", state="error")
            checked["problems"] = result.problems
            checked["errors"] = result.errors.height
            return
        status.update(label="发布完成", state="complete")
    shutil.rmtree(Path(checked["path"]).parent, ignore_errors=True)
    st.session_state.pop(_CHECKED, None)
    counts = "，".join(f"{k} {v:,} 行" for k, v in result.row_counts.items())
    kept = f"；其余 {len(result.kept)} 张表沿用上一版本" if result.kept else ""
    st.session_state[_FLASH] = f"已发布新版本 {result.published.name}（{counts}{kept}）。所有页面将在下一次操作时使用新数据。"
    st.rerun()


st.title("数据导入")
role = st.session_state.get("role")
may_publish = role in PUBLISH_ROLES
st.caption("需数据管理员权限。上传县里导出的 Excel 工作簿（.xlsx），或每张表一个 CSV 的压缩包（.zip）。"
           "先校验，没有错误才能发布；只含部分表（如本周的项目进度、资金支出）时，其余表沿用当前数据。"
           "发布后旧版本仍保留，可用 `python -m ingest rollback` 回滚。")
if role is None:
    st.info("需数据管理员权限（未启用登录时，所有人都可以导入）。", icon=":material/admin_panel_settings:")
elif not may_publish:
    st.warning(f"需数据管理员权限：当前角色（{role}）只能校验，不能发布。", icon=":material/lock:")
flash = st.session_state.pop(_FLASH, None)
if flash:
    st.success(flash, icon=":material/check_circle:")

upload = st.file_uploader(f"选择导出文件（.xlsx 或 .zip，不超过 {MAX_UPLOAD_MB} MB）", type=["xlsx", "zip"],
                          key="import-upload")
if upload is None:
    st.session_state.pop(_CHECKED, None)
else:
    checked = _validate(upload)
    if checked is not None:
        problems: pl.DataFrame = checked["problems"]
        warnings = problems.height - checked["errors"]
        cols = st.columns(4)
        cols[0].metric("错误", f"{checked['errors']:,} 条")
        cols[1].metric("警告", f"{warnings:,} 条")
        cols[2].metric("表", f"{len(checked['rows'])} 张")
        cols[3].metric("数据行", f"{sum(checked['rows'].values()):,} 行")
        if checked["kept"]:
            st.caption(f"部分更新：本次文件含 {'、'.join(checked['rows'])}，其余 {checked['kept']} 张表沿用当前数据，"
                       "并已与当前数据一起校验。")
        if problems.height:
            left, right = st.columns([2, 1])
            sheets = left.multiselect("按表筛选", problems["sheet"].unique(maintain_order=True).to_list(),
                                      placeholder="全部表", key="import-filter-sheet")
            severities = right.pills("级别", [ERROR, WARNING], selection_mode="multi", key="import-filter-severity")
            table_with_download(problems_table(problems, sheets, severities), "导入问题清单", key="import-problems",
                                column_config={"行（Excel）": st.column_config.NumberColumn(format="%d")})
            st.download_button("下载问题清单（错误单元格已标红）", checked["report"],
                               file_name=f"{Path(checked['name']).stem}_问题清单.xlsx",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                               icon=":material/report:", key="import-report")
        else:
            st.success("没有发现问题。", icon=":material/task_alt:")
        if checked["errors"]:
            st.error(f"有 {checked['errors']:,} 个错误，不能发布：请按问题清单改正后重新上传。当前数据保持不变。",
                     icon=":material/block:")
        if st.button("发布为新版本", type="primary", icon=":material/publish:", key="import-publish",
                     disabled=bool(checked["errors"]) or not may_publish,
                     help="校验没有错误时才能发布" if checked["errors"] else None):
            _publish(checked)

st.subheader("导入历史")
history = app_data.run("import_history")
if history.height:
    table_with_download(history_table(history), "导入历史", key="import-history", column_config={
        "导入时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
else:
    st.caption("当前版本没有导入记录。")

st.subheader("导入警告")
stored = app_data.run("import_warnings")
if stored.height:
    st.caption("这些问题没有阻止导入，但请核实。")
    sheet = st.selectbox("按表筛选", ["全部", *stored["sheet"].unique(maintain_order=True)], key="import-warning-sheet")
    shown = stored if sheet == "全部" else stored.filter(pl.col("sheet") == sheet)
    table_with_download(warnings_table(shown), "导入警告", key="import-warnings")
else:
    st.caption("当前版本没有导入警告。")
