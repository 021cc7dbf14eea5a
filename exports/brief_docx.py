"""The weekly brief as a Word-compatible .docx (python-docx), for offices that edit before sending.

Text is set in 宋体/微软雅黑 through the East Asian font slot (w:eastAsia), which Word uses for Chinese.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from exports.brief import WeeklyBrief

EAST_ASIAN_FONT = "微软雅黑"


def render(brief: WeeklyBrief) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.8))
    section.top_margin = section.bottom_margin = Cm(1.6)
    style = doc.styles["Normal"]
    style.font.size = Pt(10.5)
    _east_asian(style.element, EAST_ASIAN_FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        _east_asian(doc.styles[name].element, EAST_ASIAN_FONT)

    title = doc.add_heading(brief.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = doc.add_paragraph(brief.subtitle)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading("一、全县主要指标", level=1)
    _table(doc, brief.KPI_HEADER, brief.kpis)
    doc.add_heading("二、督办事项", level=1)
    if brief.items:
        _table(doc, brief.ITEMS_HEADER, brief.items, widths=(Cm(1.2), Cm(2.2), Cm(10.0), Cm(4.0)))
    else:
        doc.add_paragraph("本周没有生成督办事项。")
    doc.add_heading("三、任务进度滞后乡镇", level=1)
    if brief.lagging:
        _table(doc, brief.LAGGING_HEADER, brief.lagging)
    else:
        doc.add_paragraph("没有乡镇的年度减贫任务进度落后于时间进度。")
    doc.add_heading("四、乡镇综合排名", level=1)
    _table(doc, brief.RANKING_HEADER, brief.ranking, size=9)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _east_asian(element, font: str) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def _table(doc, header, rows, *, widths=None, size: float = 10) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Light Grid Accent 1"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = str(text)
    for row in table.rows:
        for i, cell in enumerate(row.cells):
            if widths:
                cell.width = widths[i]
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
    doc.add_paragraph()
