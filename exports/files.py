"""File names and renderers of the meeting papers, shared by the page buttons and `python -m exports`."""

from __future__ import annotations

import datetime as dt

from exports.brief import WeeklyBrief

MIME = {"pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}


def brief_name(as_of: dt.date, fmt: str) -> str:
    return f"周调度通报_{as_of:%Y%m%d}.{fmt}"


def deck_name(quarter_key: str) -> str:
    return f"季讲评_{quarter_key}.pptx"


def render_brief(brief: WeeklyBrief, fmt: str) -> bytes:
    if fmt == "pdf":
        from exports import brief_pdf

        return brief_pdf.render(brief)
    if fmt == "docx":
        from exports import brief_docx

        return brief_docx.render(brief)
    raise ValueError(f"unknown brief format: {fmt}")
