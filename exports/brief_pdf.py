"""The 周调度通报 as an A4 PDF, laid out as a county office's 通报 (fpdf2), with the Chinese fonts embedded.

报头 in red serif with a red rule, body in Noto Serif CJK SC (宋体-like), headings in Noto Sans CJK SC Bold
(黑体-like), both from Debian's fonts-noto-cjk (OpenType collections, embedded as subsets). No network: a
missing font raises FontMissing naming the package to install. A heading is never left alone at a page foot:
it moves to the next page with the lines that follow it.
"""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from exports.brief import FOLLOWUP_HEADER, KPI_HEADER, NEXT_HEADER, PACE_HEADER, RANKING_HEADER, WeeklyBrief

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SERIF, SERIF_BOLD = FONT_DIR / "NotoSerifCJK-Regular.ttc", FONT_DIR / "NotoSerifCJK-Bold.ttc"
SANS_BOLD = FONT_DIR / "NotoSansCJK-Bold.ttc"
REQUIRED_FONTS = (SERIF, SERIF_BOLD, SANS_BOLD)  # exports.capabilities tells the page when one is missing
SC_INDEX = 2  # position of the SC face in the Debian collections (JP, KR, SC, TC, HK)
HEADER_FILL = (240, 240, 240)
RED = (200, 16, 16)
BODY = 12  # pt
LINE = 7.2  # mm per body line
KEEP_WITH_HEADING = 3 * LINE  # a heading needs room for itself and about three lines below it


class FontMissing(RuntimeError):
    pass


class _BriefPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("serif", size=9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, f"— {self.page_no()} / {{nb}} —", align="C")


def render(brief: WeeklyBrief) -> bytes:
    for font in REQUIRED_FONTS:
        if not font.exists():
            raise FontMissing(f"缺少中文字体 {font}：请安装 Debian 软件包 fonts-noto-cjk")
    pdf = _BriefPDF(format="A4", unit="mm")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("serif", "", str(SERIF), collection_font_number=SC_INDEX)
    pdf.add_font("serif", "B", str(SERIF_BOLD), collection_font_number=SC_INDEX)
    pdf.add_font("hei", "", str(SANS_BOLD), collection_font_number=SC_INDEX)
    pdf.set_title(f"{brief.title}（{brief.as_of:%Y年第}{brief.issue_no}期）")
    pdf.set_author(brief.issuer)
    pdf.set_creator("脱贫攻坚作战室")
    pdf.add_page()
    _masthead(pdf, brief)

    _heading(pdf, "一、总体情况")
    for paragraph in brief.overview:
        _paragraph(pdf, paragraph)
    _table(pdf, KPI_HEADER, brief.kpis, widths=(40, 48, 36, 42), caption="全县主要指标周对比")

    _heading(pdf, "二、存在问题")
    if not brief.problems:
        _paragraph(pdf, "根据本周数据，没有需要督办的事项。")
    else:
        _paragraph(pdf, f"本周共梳理督办事项 {brief.item_count} 项，分类通报如下：")
    number = 0
    for i, group in enumerate(brief.problems):
        _subheading(pdf, f"（{'一二三四五六七八九十'[i]}）{group.kind}（{len(group.items)} 项）")
        for text in group.items:
            number += 1
            _paragraph(pdf, f"{number}. {text}", indent=False)
    if brief.pace:
        _subheading(pdf, "年底减贫进度测算（按近四周脱贫速度）")
        _table(pdf, PACE_HEADER, brief.pace, widths=(20, 16, 18, 16, 18, 22, 56), size=9,
               align=("C", "R", "R", "R", "R", "R", "L"))

    _heading(pdf, "三、上期督办落实情况")
    _paragraph(pdf, brief.followup_summary)
    if brief.followup:
        _table(pdf, FOLLOWUP_HEADER, brief.followup, widths=(10, 92, 20, 44), size=9, align=("C", "L", "C", "L"))

    _heading(pdf, "四、下步工作")
    if brief.next_steps:
        _paragraph(pdf, "以下整改事项尚未销号，请责任乡镇按时限完成整改，联系县领导跟踪督办，完成后在整改销号清单中销号：")
        _table(pdf, NEXT_HEADER, brief.next_steps, widths=(10, 84, 20, 22, 30), size=9,
               align=("C", "L", "C", "C", "C"))
    else:
        _paragraph(pdf, "整改销号清单中没有未销号的事项。请各乡镇对照本期存在问题抓好整改。")

    _heading(pdf, "附表：乡镇综合排名")
    _table(pdf, RANKING_HEADER, brief.ranking, widths=(10, 18, 18, 16, 18, 17, 17, 17, 16, 19), size=8.5)
    _paragraph(pdf, brief.ranking_note, size=9)

    _signature(pdf, brief)
    return bytes(pdf.output())


def _masthead(pdf: FPDF, brief: WeeklyBrief) -> None:
    pdf.set_text_color(*RED)
    pdf.set_font("serif", "B", 26)
    pdf.ln(4)
    pdf.cell(0, 14, brief.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("serif", "", 13)
    pdf.cell(0, 9, f"{brief.as_of:%Y}年第 {brief.issue_no} 期", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("serif", "", 12)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.cell(width / 2, 7, brief.issuer, align="L")
    pdf.cell(width / 2, 7, f"{brief.issued:%Y年%-m月%-d日}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.8)
    y = pdf.get_y() + 1.5
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(y + 3)
    pdf.set_font("serif", "", 10.5)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 6, f"数据截止 {brief.as_of:%Y年%-m月%-d日}，周对比日期 {brief.week_ago:%Y年%-m月%-d日}",
             align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _keep_room(pdf: FPDF, height: float) -> None:
    if pdf.will_page_break(height):
        pdf.add_page()


def _heading(pdf: FPDF, title: str) -> None:
    pdf.ln(3)
    _keep_room(pdf, 9 + KEEP_WITH_HEADING)
    pdf.set_font("hei", "", 14)
    pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")


def _subheading(pdf: FPDF, title: str) -> None:
    _keep_room(pdf, 8 + KEEP_WITH_HEADING)
    pdf.set_font("serif", "B", BODY)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")


def _paragraph(pdf: FPDF, text: str, *, size: float = BODY, indent: bool = True) -> None:
    pdf.set_font("serif", "", size)
    line = LINE * size / BODY
    lead = "\u3000\u3000" if indent else ""
    # the spaces around numbers are dropped, as a printed 通报 has none
    for row in wrap_lines(lead + text.replace(" ", ""), pdf.w - pdf.l_margin - pdf.r_margin, pdf.get_string_width):
        pdf.cell(0, line, row, new_x="LMARGIN", new_y="NEXT")


# A token is one Chinese character or a run of Latin letters, digits and number punctuation (never split);
# closing punctuation may not begin a line and opening punctuation may not end one (避头尾).
_TOKEN = re.compile(r"[0-9A-Za-z.,:%+\-/×~]+|.", re.S)
_NO_LINE_START = set("，。、；：？！）》」』”’%…—")
_NO_LINE_END = set("（《「『“‘")


def wrap_lines(text: str, width: float, measure) -> list[str]:
    """Lines of `text` no wider than `width` (a token that is wider on its own gets a line of its own)."""
    lines, current = [], ""
    for token in _TOKEN.findall(text):
        if current and measure(current + token) > width and token[0] not in _NO_LINE_START:
            if current[-1] in _NO_LINE_END:  # carry an opening bracket to the next line
                lines.append(current[:-1])
                current = current[-1] + token
                continue
            lines.append(current)
            current = token
        else:
            current += token
    if current:
        lines.append(current)
    return lines


def _table(pdf: FPDF, header, rows, *, widths, align=None, size: float = 10, caption: str | None = None) -> None:
    pdf.ln(1.5)
    if caption:
        _keep_room(pdf, 7 + 3 * size * 0.6)
        pdf.set_font("serif", "B", size)
        pdf.cell(0, 7, caption, align="C", new_x="LMARGIN", new_y="NEXT")
    _keep_room(pdf, 3 * size * 0.7)
    pdf.set_font("serif", "", size)
    with pdf.table(col_widths=widths, text_align=align or "CENTER", line_height=size * 0.55,
                   headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
                   borders_layout="ALL", padding=0.9, width=sum(widths), repeat_headings=1) as table:
        table.row(header)
        for row in rows:
            table.row([str(cell) for cell in row])
    pdf.ln(2)


def _signature(pdf: FPDF, brief: WeeklyBrief) -> None:
    pdf.ln(6)
    _keep_room(pdf, 26)
    pdf.set_font("serif", "", BODY)
    pdf.cell(0, LINE, brief.issuer, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, LINE, f"{brief.issued:%Y年%-m月%-d日}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_draw_color(0, 0, 0)
    y = pdf.get_y()
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_font("serif", "", 10.5)
    pdf.cell(0, 7, f"送：县委、县政府主要领导，各联系县领导，各乡镇党委、政府。", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y()
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
