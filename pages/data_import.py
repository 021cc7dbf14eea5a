"""数据导入: the clerk uploads an export, sees every problem with its sheet, row and column, downloads the
marked error report, and publishes a new database version only when nothing blocks it.

Two kinds of upload: the multi-sheet export of the data contract (.xlsx / .xls workbook, or a .zip of CSV
files), and the 建档立卡 person-level list (one row per person, .xlsx / .xls / .csv), which is a snapshot
at its 统计时间 that ingest turns into status changes. A snapshot has the CLI's options (统计时间 when the
file lacks it, 新建乡镇/村, 确认清退); a check is kept per (file, options), so changing an option checks
again, and publishing uses the options the shown check used. A multi-sheet export is merged with the served
data by each sheet's natural key (ingest/merge.py); the check shows per sheet what a publish adds, changes
and removes, and offers the two choices that change it: replacing whole sheets (with the count of rows that
would go) and confirming rows equal to served ones in a sheet without a key (资金支出).

The page never opens the database: validating and publishing go through ingest (the one write path, which
builds a new version file and switches the pointer atomically); history and warnings come from
app_data.run. After a publish the page reruns, and every session picks the new version up on its next
interaction (app_data.pin_version resolves the pointer on every run).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

import polars as pl
import streamlit as st

import app_data
from access import audit
from access.files import private_dir
from components.boundary_upload import boundary_upload
from components.import_views import (NOT_A_PERSON_CSV, UPLOAD_TYPES, history_table, pending_removals_text,
                                     problems_table, upload_problem, warnings_table)
from components.merge_preview import merge_options, merge_preview
from components.tables import table_with_download
from ingest.error_report import error_report_bytes
from ingest.load import check, load
from ingest.person_export import is_person_export
from ingest.problems import ERROR, WARNING
from ingest.snapshots import snapshot_summary

app_data.require_shell()

MAX_UPLOAD_MB = 200  # also server.maxUploadSize in .streamlit/config.toml
# Roles that may publish (access.roles: 数据管理员 imports; 县领导 may too). None: no login in this setup.
PUBLISH_ROLES = (None, "数据管理员", "县领导")
# Owner-only, per server account (access/files.py); an upload (a person list) stays only while its session
# works on it: deleted on publish, when removed or replaced in the uploader, and by the next upload after the
# 30-minute idle time-out of a session that left without either.
UPLOAD_DIR = Path(tempfile.gettempdir()) / f"warroom-uploads-{os.getuid()}"
KEEP_UPLOADS_SECONDS = 30 * 60
KEEP_CHECKS = 4  # checks kept per upload (one per option set tried), each with its report
_STAGED = "_import_staged"
_CHECKS = "_import_checks"
_FLASH = "_import_flash"
_UPLOADER = "_import_uploader"  # bumped after a publish: a new uploader key clears the published file


def _who() -> str:
    user = st.session_state.get("user")
    if user is None:
        return "（未登录）"
    return f"{getattr(user, 'name', user)}（{getattr(user, 'username', '')}）"


def _save_upload(name: str, data: bytes, digest: str) -> Path:
    """Keep the upload on disk under its own name (the import log records it) until it is published."""
    private_dir(UPLOAD_DIR)
    for old in UPLOAD_DIR.iterdir():  # uploads nobody published
        if old.is_dir() and time.time() - old.stat().st_mtime > KEEP_UPLOADS_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    folder = private_dir(UPLOAD_DIR / digest)
    path = folder / Path(name).name
    path.write_bytes(data)
    return path


def _stage(upload) -> dict | None:
    """The upload saved to disk and recognised (person-level list or not), once per file; None if refused."""
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    staged = st.session_state.get(_STAGED)
    if staged and staged["sha256"] == digest and staged["name"] == upload.name:
        return staged
    _discard_staged()  # another file replaces it
    st.session_state.pop(_CHECKS, None)
    problem = upload_problem(upload.name, data, MAX_UPLOAD_MB)
    if problem is None:
        path = _save_upload(upload.name, data, digest)
        person = is_person_export(path)
        if Path(upload.name).suffix.lower() == ".csv" and not person:
            shutil.rmtree(path.parent, ignore_errors=True)
            problem = NOT_A_PERSON_CSV
    if problem:
        st.session_state.pop(_STAGED, None)
        audit.record_once(f"upload-refused:{digest}", audit.IMPORT_REFUSED, f"{upload.name}：{problem}", success=False)
        st.error(problem, icon=":material/block:")
        return None
    staged = {"sha256": digest, "name": upload.name, "path": str(path), "person": person}
    st.session_state[_STAGED] = staged
    return staged


def _discard_staged() -> None:
    """Delete this session's staged upload from disk (the person list must not outlive its use)."""
    staged = st.session_state.pop(_STAGED, None)
    if staged:
        shutil.rmtree(Path(staged["path"]).parent, ignore_errors=True)


def _confirm_key(staged: dict) -> str:
    return f"import-confirm-removals-{staged['sha256'][:12]}"


def _snapshot_options(staged: dict) -> tuple[dict, object]:
    """The box of snapshot options (keys per file, so a new file starts from the defaults). Returns the
    options and the box, where the 确认清退 box is added once the check says whether it applies."""
    box = st.container(border=True)
    box.markdown("**建档立卡人员表（快照导入）**")
    box.caption("每人一行的人员表是统计时间那一天的快照：与上一快照对比，推导每户的纳入、脱贫、返贫、清退。")
    left, right = box.columns([1, 2], vertical_alignment="bottom")
    as_of = left.date_input(
        "统计时间", value=None, min_value=dt.date(2000, 1, 1), max_value=dt.date.today(), format="YYYY-MM-DD",
        key=f"import-as-of-{staged['sha256'][:12]}",
        help="仅当文件中没有「统计时间」列时需要选择；文件中有该列时可不选，选了则须与文件中的日期一致。")
    create_places = right.checkbox("新建库中没有的乡镇/村（自动生成代码）", key=f"import-create-{staged['sha256'][:12]}",
                                   help="人员表中的乡镇、村按名称对应当前数据；不勾选时，对应不上的名称是错误。")
    confirm = bool(st.session_state.get(_confirm_key(staged), False))  # the box is drawn after the check
    return {"as_of": as_of, "create_places": create_places, "confirm_removals": confirm}, box


def _confirm_box(box, staged: dict, checked: dict) -> None:
    """确认清退, only when the check found households that left the list (or the clerk already ticked it)."""
    key = _confirm_key(staged)
    pending = (checked["snapshot"] or {}).get("removals_pending", 0)
    if pending or st.session_state.get(key):
        box.checkbox("确认清退：上一快照中有、本快照中没有的农户记为清退", key=key,
                     help="默认只列出这些农户（清退候选），不改变其状态。核实确已清退后再勾选。")


def _replace_key(staged: dict) -> str:
    return f"import-replace-{staged['sha256'][:12]}"


def _duplicates_key(staged: dict) -> str:
    return f"import-duplicates-{staged['sha256'][:12]}"


def _merge_options(staged: dict) -> dict:
    """The merge choices drawn after the check (merge_preview): replace whole sheets, confirm equal rows."""
    return merge_options(_replace_key(staged), _duplicates_key(staged))


def _validate(staged: dict, options: dict) -> dict:
    """The check of this file with these options, from the session's cache or run now."""
    key = (staged["sha256"], options.get("as_of"), options.get("create_places"), options.get("confirm_removals"),
           options.get("replace"), options.get("confirm_duplicates"))
    checks = st.session_state.setdefault(_CHECKS, {})
    if key in checks:
        return checks[key]
    with st.status(f"正在校验 {staged['name']} ……", expanded=True) as status:
        bar = st.progress(0.0, text="读取文件")
        export, problems, validated = check(Path(staged["path"]), app_data.db_path(), **options,
                                            progress=lambda f, text: bar.progress(min(f / 0.3, 1.0) * 0.8, text=text))
        frame = problems.frame()
        bar.progress(0.9, text="生成问题清单")
        report = error_report_bytes(frame, export) if frame.height else None
        errors = int((frame["severity"] == ERROR).sum())
        bar.progress(1.0, text="校验完成")
        status.update(label=f"校验完成：{staged['name']}", state="error" if errors else "complete", expanded=False)
    audit.record_session(audit.CHECK, f"{staged['name']}：错误 {errors} 条、警告 {frame.height - errors} 条",
                         success=not errors)
    rows = {label: raw.frame.height for label, raw in export.sheets.items()}
    kept = [t for t, table in validated.tables.items() if t not in validated.provided and table.height]
    checked = {**staged, "options": options, "problems": frame, "report": report, "rows": rows,
               "kept": 0 if staged["person"] else len(kept), "errors": errors,
               "changes": getattr(validated, "changes", []),
               "snapshot": getattr(validated, "entry", None), "unchanged": getattr(validated, "unchanged", False)}
    while len(checks) >= KEEP_CHECKS:
        checks.pop(next(iter(checks)))
    checks[key] = checked
    return checked


def _publish(checked: dict) -> None:
    with st.status("正在发布新版本……", expanded=True) as status:
        bar = st.progress(0.0)
        result = load(Path(checked["path"]), app_data.db_path(), user=_who(), **checked["options"],
                      progress=lambda f, text: bar.progress(f, text=text))
        if result.mode == "unchanged":  # someone published the same snapshot since the check
            status.update(label="这份快照已导入过，内容相同，未做任何更改", state="complete")
            checked["unchanged"] = True
            return
        if result.published is None:  # the served data changed since the check, or the file did
            audit.record_session(audit.IMPORT_REFUSED, f"{checked['name']}：{result.errors.height} 个错误", success=False)
            status.update(label="发布被拒绝：发现错误，当前数据保持不变", state="error")
            checked["problems"] = result.problems
            checked["errors"] = result.errors.height
            return
        status.update(label="发布完成", state="complete")
    audit.record_session(audit.IMPORT, f"{checked['name']} → {result.published.name}（{result.mode}）")
    if result.ended_demo:
        app_data.access_store().end_demo_accounts()
        audit.record_session(audit.DEMO_ENDED, f"{checked['name']} 取代了演示县数据")
    shutil.rmtree(Path(checked["path"]).parent, ignore_errors=True)
    for key in (_STAGED, _CHECKS):
        st.session_state.pop(key, None)
    st.session_state[_UPLOADER] = st.session_state.get(_UPLOADER, 0) + 1
    st.session_state[_FLASH] = _published_text(result)
    st.rerun()


def _published_text(result) -> str:
    if result.snapshot is not None:
        what = snapshot_summary(result.snapshot)
        pending = result.snapshot.get("removals_pending", 0)
        note = f"。另有 {pending:,} 户清退候选未记为清退" if pending else ""
    else:
        what = "，".join(f"{k} {v:,} 行" for k, v in result.row_counts.items())
        what += f"；其余 {len(result.kept)} 张表沿用上一版本" if result.kept else ""
        note = ""
    ended = ("原演示县数据已被真实数据取代，演示账户（secretary、township、clerk）已停用，下一次操作时退出登录；"
             "请用 `python -m admin add-user` 建立正式账户。" if result.ended_demo else "")
    return f"已发布新版本 {result.published.name}（{what}）{note}。所有页面将在下一次操作时使用新数据。{ended}"


def _metrics(checked: dict) -> None:
    problems: pl.DataFrame = checked["problems"]
    # A county's person list has six- or seven-digit counts: wider columns, units in the label, so that a
    # laptop (1024 px) shows whole numbers.
    cols = st.columns([1, 1, 1.4, 1.4] if checked["person"] else 4)
    cols[0].metric("错误", f"{checked['errors']:,} 条")
    cols[1].metric("警告", f"{problems.height - checked['errors']:,} 条")
    if checked["person"]:
        entry = checked["snapshot"] or {}
        cols[2].metric("人数（人）", f"{entry['persons']:,}" if "persons" in entry else "—")
        cols[3].metric("户数（户）", f"{entry['households']:,}" if "households" in entry else "—")
    else:
        cols[2].metric("表", f"{len(checked['rows'])} 张")
        cols[3].metric("数据行", f"{sum(checked['rows'].values()):,} 行")


def _snapshot_notes(checked: dict) -> None:
    """What the snapshot derives (or that it was loaded already), and the removal candidates to verify."""
    entry = checked["snapshot"]
    if checked["unchanged"]:
        st.info("这份快照已导入过，内容相同，未做任何更改。", icon=":material/info:")
    elif entry is not None and not checked["errors"]:
        st.markdown(f"**{snapshot_summary(entry)}**（发布后按统计时间 {entry['as_of']} 记入农户状态）")
    pending = pending_removals_text(entry)
    if pending and not checked["errors"] and not checked["options"].get("confirm_removals"):
        st.warning(pending, icon=":material/person_remove:")


def _problems(checked: dict) -> None:
    problems: pl.DataFrame = checked["problems"]
    if not problems.height:
        st.success("没有发现问题。", icon=":material/task_alt:")
        return
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


def _show(checked: dict, may_publish: bool) -> None:
    _metrics(checked)
    if checked["person"]:
        _snapshot_notes(checked)
    elif checked["kept"]:
        st.caption(f"本次文件含 {'、'.join(checked['rows'])}，其余 {checked['kept']} 张表沿用当前数据，"
                   "并已与当前数据一起校验。")
    if not checked["person"]:
        merge_preview(checked["changes"], _replace_key(checked), _duplicates_key(checked))
    _problems(checked)
    if checked["errors"]:
        st.error(f"有 {checked['errors']:,} 个错误，不能发布：请按问题清单改正后重新上传。当前数据保持不变。",
                 icon=":material/block:")
    if checked["unchanged"]:
        return
    if st.button("发布为新版本", type="primary", icon=":material/publish:", key="import-publish",
                 disabled=bool(checked["errors"]) or not may_publish,
                 help="校验没有错误时才能发布" if checked["errors"] else None):
        _publish(checked)


st.title("数据导入")
role = st.session_state.get("role")
may_publish = role in PUBLISH_ROLES
st.caption("需数据管理员权限。上传县里导出的 Excel 工作簿（.xlsx、.xls），或每张表一个 CSV 的压缩包（.zip）；"
           "也可上传从全国扶贫开发信息系统导出的建档立卡人员表（每人一行，.xlsx、.xls 或 .csv），"
           "按统计时间作为一次快照导入，推导各户的纳入、脱贫、返贫、清退。"
           "先校验，没有错误才能发布。文件中的行按主键与当前数据合并（如本周的项目进度只新增或更正本周的行），"
           "文件中没有的表和行都保留；整表替换须在校验后明确选择。"
           "发布后旧版本仍保留，可用 `python -m ingest rollback` 回滚。")
if role is None:
    st.info("需数据管理员权限（未启用登录时，所有人都可以导入）。", icon=":material/admin_panel_settings:")
elif not may_publish:
    st.warning(f"需数据管理员权限：当前角色（{role}）只能校验，不能发布。", icon=":material/lock:")
flash = st.session_state.pop(_FLASH, None)
if flash:
    st.success(flash, icon=":material/check_circle:")

upload = st.file_uploader(f"选择导出文件（.xlsx、.xls、.csv 或 .zip，不超过 {MAX_UPLOAD_MB} MB）",
                          type=list(UPLOAD_TYPES), key=f"import-upload-{st.session_state.get(_UPLOADER, 0)}")
if upload is None:
    _discard_staged()
    st.session_state.pop(_CHECKS, None)
else:
    staged = _stage(upload)
    if staged is not None:
        options, box = _snapshot_options(staged) if staged["person"] else (_merge_options(staged), None)
        checked = _validate(staged, options)
        if box is not None:
            _confirm_box(box, staged, checked)
        _show(checked, may_publish)

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

boundary_upload(app_data.db_path(), role, _who())  # 乡镇边界 (components/boundary_upload.py), clerk only
