"""User data inside Markdown: names, codes and URL parameters shown as literal text, never as Markdown.

st.title/header/caption/markdown/info/warning/... and widget labels render Markdown (links, images, emphasis,
`:material/...:` icons, `:red[...]` colours, LaTeX `$...$`). A township, village or person name comes from
an imported file, and `?household=` from whoever sent the link: put through `md()` wherever such a value sits
in a Markdown string, so an image URL or a "请点此重新登录" link in it shows as the characters it is.
Plotly labels take their own escaping (`plotly_text`): they understand a few HTML tags, links among them.
"""

from __future__ import annotations

import html
import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark and then stands for itself. All are
# escaped ("." and ":" too: GFM turns www.x.y and http://... into links by themselves) but "-", which does
# something only at the start of a line (a list item; the value is kept on one line) and is common in codes.
_PUNCTUATION = re.compile(r"([!-,./:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
# GFM links bare http://…, www.… and name@host by itself, escaped or not (Streamlit's renderer looks for them
# in the text after unescaping): an invisible WORD JOINER (U+2060) inside each keeps it plain text.
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)", re.IGNORECASE)
_JOINER = "\u2060"


def md(value) -> str:
    """`value` as Markdown source that renders exactly as its characters, on one line ('' for None)."""
    if value is None:
        return ""
    text = _AUTOLINK.sub(_JOINER, _LINE_BREAKS.sub(" ", str(value)))
    text = _PUNCTUATION.sub(r"\\\1", text)
    return "\\" + text if text.startswith("-") else text


def plotly_text(value) -> str:
    """`value` for a Plotly label or hover text: its HTML-like tags (<a href>, <b>, <br>) shown, not applied."""
    return "" if value is None else html.escape(str(value), quote=False)


_LINK_TAG = re.compile(r"<(\s*/?\s*a\b)", re.IGNORECASE)
_TRACE_TEXT = ("x", "y", "text", "hovertext", "labels", "ids", "locations", "name", "title")


def _inert(value):
    if isinstance(value, str):
        return _LINK_TAG.sub(r"&lt;\1", value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, str) for v in value):
        return [_inert(v) for v in value]
    if getattr(value, "dtype", None) is not None and value.dtype.kind in "OU":  # numpy arrays of text
        return [_inert(v) for v in value.tolist()]
    return value


def _has_link(value) -> bool:
    """Whether a value (text, a list or a numpy array of it) holds a link tag anywhere: one regex over the joined
    text, so a chart of 2,000 names that holds none (the usual case) is left untouched, not rebuilt and
    revalidated by Plotly."""
    if isinstance(value, str):
        return _LINK_TAG.search(value) is not None
    if getattr(value, "dtype", None) is not None:
        if value.dtype.kind not in "OU":
            return False  # numbers and dates hold no tags
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return _LINK_TAG.search("\n".join(v for v in value if isinstance(v, str))) is not None
    return False


def inert_links(fig):
    """Plotly turns `<a href=...>` in any tick, label, legend or hover text into a live link; the builders never
    put one there, so any such tag comes from data (a name) and is shown as text. Returns the figure; a value
    without a tag is not touched (rewriting it costs a Plotly validation of every element)."""
    for trace in fig.data:
        for attr in _TRACE_TEXT:
            if attr in trace:
                value = trace[attr]
                if value is not None and not hasattr(value, "to_plotly_json") and _has_link(value):
                    trace[attr] = _inert(value)
    if fig.layout.title.text and _has_link(fig.layout.title.text):
        fig.layout.title.text = _inert(fig.layout.title.text)
    for axis in [getattr(fig.layout, name) for name in fig.layout if name.startswith(("xaxis", "yaxis"))]:
        for attr in ("categoryarray", "ticktext", "tickvals"):  # categories must match the escaped x/y
            if axis[attr] is not None and _has_link(axis[attr]):
                axis[attr] = _inert(axis[attr])
    for annotation in fig.layout.annotations:
        for attr in ("text", "x", "y"):
            if isinstance(annotation[attr], str) and _has_link(annotation[attr]):
                annotation[attr] = _inert(annotation[attr])
    return fig
