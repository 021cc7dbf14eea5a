"""The 周调度通报 as a Word file (python-docx), for offices that edit before sending.

公文-like type: 仿宋 body, 黑体 headings, 宋体 报头 in red, set through the East Asian font slot (w:eastAsia)
that Word and WPS use for Chinese. The font table names a fallback for each (w:altName, a font Debian's
fonts-noto-cjk has), so LibreOffice on a machine without the Windows fonts still sets serif/sans Chinese.
Tables have fixed widths (w:tblLayout fixed, a grid and every cell's width), which Word, LibreOffice and WPS
all keep; the footer carries a PAGE field ("— 1 —").
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from exports.brief import FOLLOWUP_HEADER, KPI_HEADER, NEXT_HEADER, PACE_HEADER, RANKING_HEADER, WeeklyBrief

BODY_FONT, HEADING_FONT, TITLE_FONT = "仿宋", "黑体", "宋体"
FALLBACK = {"仿宋": "Noto Serif CJK SC", "宋体": "Noto Serif CJK SC", "黑体": "Noto Sans CJK SC"}
RED = RGBColor(0xC8, 0x10, 0x10)
TEXT_WIDTH_CM = 15.6  # A4 21.0 cm − 2.8 cm − 2.6 cm margins


def render(brief: WeeklyBrief) -> bytes:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.5)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(14)
    normal.font.name = BODY_FONT
    _east_asian(normal.element, BODY_FONT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = Pt(26)
    _fallback_fonts(doc)
    _page_number_footer(section)

    _para(doc, brief.title, font=TITLE_FONT, size=30, bold=True, colour=RED, align=WD_ALIGN_PARAGRAPH.CENTER,
          line=Pt(44))
    _para(doc, f"{brief.as_of:%Y}年第 {brief.issue_no} 期", size=15, align=WD_ALIGN_PARAGRAPH.CENTER)
    issuer = doc.add_paragraph()
    issuer.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM), alignment=2)  # right tab
    _run(issuer, f"{brief.issuer}\t{brief.issued:%Y年%-m月%-d日}", size=14)
    _red_rule(issuer)
    _para(doc, f"数据截止 {brief.as_of:%Y年%-m月%-d日}，周对比日期 {brief.week_ago:%Y年%-m月%-d日}", size=11,
          align=WD_ALIGN_PARAGRAPH.CENTER, colour=RGBColor(0x55, 0x55, 0x55))

    _heading(doc, "一、总体情况")
    for paragraph in brief.overview:
        _body(doc, paragraph.replace(" ", ""))
    _caption(doc, "全县主要指标周对比")
    _table(doc, KPI_HEADER, brief.kpis, (3.8, 4.4, 3.2, 4.2))

    _heading(doc, "二、存在问题")
    _body(doc, f"本周共梳理督办事项 {brief.item_count} 项，分类通报如下：" if brief.problems
          else "根据本周数据，没有需要督办的事项。")
    number = 0
    for i, group in enumerate(brief.problems):
        _para(doc, f"（{'一二三四五六七八九十'[i]}）{group.kind}（{len(group.items)} 项）", font="楷体", size=14,
              bold=True, keep_next=True, indent=True)
        for text in group.items:
            number += 1
            _body(doc, f"{number}. {text}")
    if brief.pace:
        _caption(doc, "年底减贫进度测算（按近四周脱贫速度）")
        _table(doc, PACE_HEADER, brief.pace, (2.0, 1.6, 1.8, 1.6, 1.8, 2.2, 4.6), size=10)

    _heading(doc, "三、上期督办落实情况")
    _body(doc, brief.followup_summary)
    if brief.followup:
        _table(doc, FOLLOWUP_HEADER, brief.followup, (1.0, 8.2, 2.0, 4.4), size=10)

    _heading(doc, "四、下步工作")
    if brief.next_steps:
        _body(doc, "以下整改事项尚未销号，请责任乡镇按时限完成整改，联系县领导跟踪督办，完成后在整改销号清单中销号：")
        _table(doc, NEXT_HEADER, brief.next_steps, (1.0, 7.6, 2.0, 2.0, 3.0), size=10)
    else:
        _body(doc, "整改销号清单中没有未销号的事项。请各乡镇对照本期存在问题抓好整改。")

    _heading(doc, "附表：乡镇综合排名")
    _table(doc, RANKING_HEADER, brief.ranking, (1.0, 1.7, 1.6, 1.4, 1.6, 1.5, 1.5, 1.5, 1.4, 1.4), size=9)
    _para(doc, brief.ranking_note, size=10)

    _para(doc, "", size=14)
    _para(doc, brief.issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, keep_next=True)
    _para(doc, f"{brief.issued:%Y年%-m月%-d日}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "送：县委、县政府主要领导，各联系县领导，各乡镇党委、政府。", size=12)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- paragraphs -------------------------------------------------------------------------------------------

def _run(paragraph, text: str, *, font: str = BODY_FONT, size: float = 14, bold: bool = False, colour=None):
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = font
    _east_asian(run._r, font)
    if colour is not None:
        run.font.color.rgb = colour
    return run


def _para(doc, text: str, *, font: str = BODY_FONT, size: float = 14, bold: bool = False, colour=None,
          align=None, keep_next: bool = False, indent: bool = False, line=None):
    p = doc.add_paragraph()
    if text:
        _run(p, text, font=font, size=size, bold=bold, colour=colour)
    if align is not None:
        p.alignment = align
    if line is not None:
        p.paragraph_format.line_spacing = line
    p.paragraph_format.keep_with_next = keep_next
    if indent:
        p.paragraph_format.first_line_indent = Pt(28)
    return p


def _heading(doc, text: str) -> None:
    """A heading kept with the next paragraph, so it never ends a page."""
    p = _para(doc, text, font=HEADING_FONT, size=16, keep_next=True, indent=True)
    p.paragraph_format.space_before = Pt(8)


def _body(doc, text: str) -> None:
    _para(doc, text, indent=True)


def _caption(doc, text: str) -> None:
    p = _para(doc, text, size=12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, keep_next=True)
    p.paragraph_format.space_before = Pt(6)


def _table(doc, header, rows, widths_cm, *, size: float = 11) -> None:
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    width = tbl_pr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tbl_pr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(sum(int(w * 567) for w in widths_cm)))
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
        col.set(qn("w:w"), str(int(w * 567)))
    for i, values in enumerate([header, *rows]):
        row = table.rows[i]
        if i == 0:  # the header row repeats on every page a long table runs onto
            tr_pr = row._tr.get_or_add_trPr()
            repeat = OxmlElement("w:tblHeader")
            tr_pr.append(repeat)
        for cell, text, w in zip(row.cells, values, widths_cm):
            cell.width = Cm(w)
            p = cell.paragraphs[0]
            p.paragraph_format.line_spacing = 1.0
            p.paragraph_format.first_line_indent = Pt(0)
            _run(p, str(text), size=size, bold=i == 0, font=HEADING_FONT if i == 0 else BODY_FONT)
            if i == 0 or len(str(text)) <= 8:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph().paragraph_format.line_spacing = Pt(8)


# --- document parts ---------------------------------------------------------------------------------------

def _east_asian(element, font: str) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:ascii"), font)
    fonts.set(qn("w:hAnsi"), font)


def _fallback_fonts(doc) -> None:
    """Declare each Chinese font in the font table with an alternative name this machine has."""
    font_table = None
    for rel in doc.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            font_table = rel.target_part
    if font_table is None:
        return
    from docx.oxml import parse_xml

    root = parse_xml(font_table.blob)
    for name, alt in FALLBACK.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt_name = OxmlElement("w:altName")
        alt_name.set(qn("w:val"), alt)
        font.append(alt_name)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        font.append(charset)
        family = OxmlElement("w:family")
        family.set(qn("w:val"), "modern" if name == "黑体" else "roman")
        font.append(family)
        root.append(font)
    from lxml import etree

    font_table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _red_rule(paragraph) -> None:
    """The red line under the 报头: a bottom border on the issuer line."""
    p_pr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "C81010")):
        bottom.set(qn(key), value)
    border.append(bottom)
    p_pr.append(border)


def _page_number_footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, "— ", size=12)
    run = _run(p, "", size=12)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text.strip() == "PAGE":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)
    _run(p, " —", size=12)
