"""Static images of the map (PNG for slides and WeChat, A3 PDF for the wall) via kaleido 1.x, offline.

kaleido drives the system Chromium (Debian `chromium`) with the plotly.js bundled in the plotly package
and MathJax off; left at its defaults it would load MathJax from a CDN. CJK text needs `fonts-noto-cjk`.
Pure: a figure in, bytes out (no Streamlit).
"""

from __future__ import annotations

import kaleido
import plotly.graph_objects as go

# kaleido.Kaleido(**KALEIDO_OPTIONS): no MathJax, plotly.js from the installed plotly package (a file:// URL).
KALEIDO_OPTIONS = {"mathjax": False}


def render(fig: go.Figure, fmt: str, width: int, height: int, scale: float = 1.0) -> bytes:
    """fig as `fmt` ('png' or 'pdf') bytes, width x height px (a PDF page is that size at 96 px per inch)."""
    if fmt not in ("png", "pdf"):
        raise ValueError(f"unsupported image format: {fmt}")
    return kaleido.calc_fig_sync(fig, opts=dict(format=fmt, width=width, height=height, scale=scale),
                                 kopts=dict(KALEIDO_OPTIONS))


def map_png(fig: go.Figure, width: int = 1600, height: int = 1100, scale: float = 1.0) -> bytes:
    return render(fig, "png", width, height, scale)


def sheet_pdf(sheet: go.Figure) -> bytes:
    return render(sheet, "pdf", int(sheet.layout.width), int(sheet.layout.height))


def sheet_png(sheet: go.Figure, scale: float = 2.0) -> bytes:
    """The print sheet as a PNG at `scale` x its size (A3 at 96 dpi x 2 = 192 dpi)."""
    return render(sheet, "png", int(sheet.layout.width), int(sheet.layout.height), scale)
