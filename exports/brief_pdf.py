"""The weekly brief as an A4 PDF with a Chinese font embedded (subset), ready to print — fpdf2.

The font is Noto Sans CJK SC from Debian's fonts-noto-cjk (an OpenType collection; fpdf2 embeds the CFF
outlines as a subset). No network: a missing font raises FontMissing naming the package to install.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from exports.brief import WeeklyBrief

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
REGULAR, BOLD = FONT_DIR / "NotoSansCJK-Regular.ttc", FONT_DIR / "NotoSansCJK-Bold.ttc"
SC_INDEX = 2  # position of "Noto Sans CJK SC" in the Debian collections (JP, KR, SC, TC, HK)
HEADER_FILL = (236, 239, 241)
RED = (198, 40, 40)


class FontMissing(RuntimeError):
    pass


class _BriefPDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 6, f"{self.footer_text}　第 {self.page_no()} 页 / 共 {{nb}} 页", align="C")


def render(brief: WeeklyBrief) -> bytes:
    for font in (REGULAR, BOLD):
        if not font.exists():
            raise FontMissing(f"缺少中文字体 {font}：请安装 Debian 软件包 fonts-noto-cjk")
    pdf = _BriefPDF(format="A4", unit="mm")
    pdf.footer_text = brief.title
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_font("cjk", "", str(REGULAR), collection_font_number=SC_INDEX)
    pdf.add_font("cjk", "B", str(BOLD), collection_font_number=SC_INDEX)
    pdf.set_title(brief.title)
    pdf.set_creator("脱贫攻坚作战室")
    pdf.add_page()

    pdf.set_font("cjk", "B", 17)
    pdf.cell(0, 10, brief.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 6, brief.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)

    _section(pdf, "一、全县主要指标")
    _table(pdf, brief.KPI_HEADER, brief.kpis, widths=(50, 40, 40, 50))
    _section(pdf, "二、督办事项")
    if brief.items:
        _table(pdf, brief.ITEMS_HEADER, brief.items, widths=(10, 18, 112, 40), align=("C", "C", "L", "L"))
    else:
        _note(pdf, "本周没有生成督办事项。")
    _section(pdf, "三、任务进度滞后乡镇")
    if brief.lagging:
        _table(pdf, brief.LAGGING_HEADER, brief.lagging, widths=(36, 36, 36, 36, 36))
    else:
        _note(pdf, "没有乡镇的年度减贫任务进度落后于时间进度。")
    _section(pdf, "四、乡镇综合排名")
    _table(pdf, brief.RANKING_HEADER, brief.ranking, widths=(14, 28, 22, 22, 58, 36), size=8.5)
    return bytes(pdf.output())


def _section(pdf: FPDF, title: str) -> None:
    pdf.ln(2.5)
    pdf.set_font("cjk", "B", 12)
    pdf.set_text_color(*RED)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _note(pdf: FPDF, text: str) -> None:
    pdf.set_font("cjk", "", 10)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _table(pdf: FPDF, header, rows, *, widths, align=None, size: float = 9.5) -> None:
    pdf.set_font("cjk", "", size)
    with pdf.table(col_widths=widths, text_align=align or "CENTER", line_height=size * 0.55,
                   headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
                   borders_layout="HORIZONTAL_LINES", padding=0.8, width=sum(widths)) as table:
        table.row(header)
        for row in rows:
            table.row([str(cell) for cell in row])
