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

# Every ASCII punctuation character may be backslash-escaped in CommonMark and then stands for itself.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def md(value) -> str:
    """`value` as Markdown source that renders exactly as its characters, on one line ('' for None)."""
    if value is None:
        return ""
    return _PUNCTUATION.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(value)))


def plotly_text(value) -> str:
    """`value` for a Plotly label or hover text: its HTML-like tags (<a href>, <b>, <br>) shown, not applied."""
    return "" if value is None else html.escape(str(value), quote=False)
