"""Page-wide CSS the shell injects on every run: whole numbers and buttons at 1024 px, Chinese where Streamlit
and Plotly have English defaults, and the sidebar's filters above its long navigation.

Streamlit has no locale option and no setting for any of this; the rules target its stable data-testid
attributes (checked on streamlit 1.67) and Plotly's modebar data-title tooltips (pure CSS in plotly.js).
tests/test_layout_browser.py holds the result: no cut text, no English default, on every page and role.
"""

from __future__ import annotations

import streamlit as st

# Plotly's modebar tooltips are `content: attr(data-title)`; each English title gets its Chinese one.
MODEBAR = {
    "Download plot as a png": "下载图片（PNG）",
    "Download plot": "下载图片",
    "Zoom": "框选放大",
    "Pan": "平移",
    "Box Select": "框选",
    "Lasso Select": "套索选择",
    "Zoom in": "放大",
    "Zoom out": "缩小",
    "Autoscale": "自动缩放",
    "Reset axes": "还原坐标轴",
    "Reset view": "还原视图",
    "Reset": "还原",
    "Toggle Spike Lines": "显示/隐藏参考线",
    "Show closest data on hover": "悬停显示最近数据",
    "Compare data on hover": "悬停对比数据",
    "Zoom to autoscale": "自动缩放",
}
# The table toolbar's buttons: CSV download and column picker are hidden (the page's own 下载 Excel is the
# audited export); search and full screen get a Chinese tooltip of their own instead of Streamlit's.
TABLE_TOOLBAR = {"Search": "搜索", "Fullscreen": "全屏", "Close fullscreen": "退出全屏"}

_CSS = """
/* Metric values, deltas, comparisons and labels wrap instead of ending in "…" in a narrow card. */
[data-testid=stMetricValue] *, [data-testid=stMetricLabel] *, [data-testid=stMetricDelta] *,
[data-testid=stMetricDeltaDescription], [data-testid=stMetricDeltaDescription] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  word-break: keep-all; overflow-wrap: break-word;  /* "19,264.7 万元" breaks at the space, never inside 万元 */
}
[data-testid=stMetricValue] { font-size: clamp(1.3rem, 2.1vw, 2.25rem); line-height: 1.25; }
div:has(> [data-testid=stMetricDelta]) { flex-wrap: wrap; row-gap: 0.25rem; }
/* Buttons (download, presentation mode) wrap their label rather than cut it. */
button[data-testid^=stBaseButton] p, button[data-testid^=stBaseButton] div {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
button[data-testid^=stBaseButton] { height: auto; min-height: 2.5rem; }
/* The sidebar: the two filters first, then the navigation (13 links would push them below a 768 px fold). */
[data-testid=stSidebarContent] { display: flex; flex-direction: column; }
[data-testid=stSidebarHeader] { order: 0; }
[data-testid=stSidebarUserContent] { order: 1; padding-bottom: 0.5rem; }
[data-testid=stSidebarNav] { order: 2; }
/* The upload box in Chinese: Streamlit's "Upload" and "200MB per file" have no setting. */
[data-testid=stFileUploaderDropzone] button p { font-size: 0 !important; }
[data-testid=stFileUploaderDropzone] button p::after { content: "选择文件"; font-size: 0.9rem; }
[data-testid=stFileUploaderDropzoneInstructions] > div > span { display: none; }
[data-testid=stFileUploaderDropzoneInstructions] > div::after {
  content: "或把文件拖到这里"; font-size: 0.875rem; opacity: 0.7;
}
/* While a file is dragged over the box, Streamlit writes "Drag and drop a file here" in it. */
[data-testid=stFileUploaderDropzone] > div:not([data-testid]) > span { font-size: 0 !important; }
[data-testid=stFileUploaderDropzone] > div:not([data-testid]) > span::after { content: "松开鼠标，把文件放到这里"; font-size: 0.9rem; }
/* A file the box refuses (wrong type, over the size limit) turns into a red chip whose reason is an English
   tooltip ("text/plain files are not allowed.", "File must be 200.0MB or smaller."): a Chinese reason instead,
   and a line under the box, so the clerk need not hover to learn why. The labels name the types and the limit. */
[data-testid=stTooltipErrorContent] { font-size: 0 !important; }
[data-testid=stTooltipErrorContent]::after { content: "这个文件不能上传：文件类型或大小不符合上方的要求。"; font-size: 0.875rem; }
[data-testid=stFileUploader]:has([data-testid=stFileChip][aria-invalid=true])::after {
  content: "标红的文件不能上传：文件类型或大小不符合上方的要求。请点 ⊗ 删除，再选择正确的文件。";
  display: block; margin-top: 0.35rem; color: #c0392b; font-size: 0.875rem;
}
/* Table toolbar. */
[data-testid=stElementToolbar] button[aria-label="Download as CSV"],
[data-testid=stElementToolbar] button[aria-label="Show/hide columns"] { display: none; }
body:has([data-testid=stElementToolbarButton]:hover) [data-baseweb=tooltip] { display: none; }
[data-testid=stElementToolbar] button { position: relative; }
[data-testid=stElementToolbar] button:hover::after {
  position: absolute; top: -1.9rem; left: 50%; transform: translateX(-50%); white-space: nowrap;
  background: #31333f; color: white; font-size: 0.75rem; padding: 0.15rem 0.45rem; border-radius: 0.25rem;
}
"""


def _tooltip_rules() -> str:
    modebar = "\n".join(f'.modebar-btn[data-title="{en}"]::after {{ content: "{zh}" !important; }}'
                        for en, zh in MODEBAR.items())
    table = "\n".join(f'[data-testid=stElementToolbar] button[aria-label="{en}"]:hover::after {{ content: "{zh}"; }}'
                      for en, zh in TABLE_TOOLBAR.items())
    return modebar + "\n" + table


def apply() -> None:
    """Inject the page-wide CSS (a style-only st.html takes no space on the page)."""
    st.html(f"<style>{_CSS}\n{_tooltip_rules()}</style>")
