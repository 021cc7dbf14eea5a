"""数据导入's preview of a publish (ingest/merge.py): per sheet what is added, changed and removed, and the
two choices that change it — replacing whole sheets (each offered with the number of rows it would delete)
and confirming rows equal to served ones in a sheet without a key (资金支出).

The choices live in session state under keys per uploaded file; the page reads them (merge_options) before
it checks the file, and draws them (merge_preview) after, with the counts that check found.
"""

from __future__ import annotations

import streamlit as st

from ingest.merge import SheetChange, change_line, changes_table, removals_text


def merge_options(replace_key: str, duplicates_key: str) -> dict:
    """The options of ingest.load.check/load as the clerk last chose them (nothing chosen: merge only)."""
    return {"replace": tuple(st.session_state.get(replace_key) or ()),
            "confirm_duplicates": bool(st.session_state.get(duplicates_key, False))}


def _would_go(change: SheetChange) -> int:
    """Rows a replacement of this sheet deletes (what it does now, when it is already chosen)."""
    return change.removed if change.replace else change.would_remove


def merge_preview(changes: list[SheetChange], replace_key: str, duplicates_key: str) -> None:
    if not changes:
        return
    st.markdown("**发布后各表的变化**")
    st.caption("文件中的行按各表主键与当前数据合并：主键相同的行更正为文件中的值，新的行追加，文件中没有的行保留。"
               "只有选择「替换整表」的表，文件中没有的行才会删除。")
    # One line per sheet reads whole at 1024 px; the table (same numbers) is there to sort and download.
    st.markdown("\n".join(f"- {change_line(c, bold=True)}" for c in changes))
    with st.expander("明细表"):
        st.dataframe(changes_table(changes), hide_index=True, width="stretch")
    offered = {c.sheet: c for c in changes if c.served}
    if offered:
        st.multiselect(
            "替换整表（文件中没有的行将被删除）", list(offered), key=replace_key, placeholder="不替换：按主键合并",
            format_func=lambda sheet: f"{sheet}（将删除 {_would_go(offered[sheet]):,} 行）",
            help="只有文件是该表的完整导出、当前数据中多出的行确应删除时才选择。括号中是将被删除的行数。")
    removals = removals_text(changes)
    if removals:
        st.warning(removals + "请核实后再发布；发布后仍可回滚到上一个版本。", icon=":material/delete:")
    identical = [c for c in changes if c.identical]
    if identical or st.session_state.get(duplicates_key):
        rows = "、".join(f"{c.sheet} {c.identical:,} 行" for c in identical) or "与当前数据完全相同的行"
        st.checkbox(f"确认追加相同的行：{rows}确是新的记录（如同一天同一金额的两笔支付）", key=duplicates_key,
                    help="这些行没有主键，与当前数据中的某一行完全相同，可能是重复导入。不勾选时导入被拒绝。")
