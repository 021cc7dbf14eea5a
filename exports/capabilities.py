"""Which exports this server can make: what cannot travel in the offline bundle as a wheel.

Map pictures (PNG, the A3 PDF, the deck's map slides) need a Chromium browser on the server (kaleido drives
it); the 周调度通报 PDF needs the Noto CJK fonts. Pages ask here before offering such a download, so a county
server without them says which export is unavailable and which system package brings it, instead of failing
on the click. Checked on each call (cheap path lookups): installing the package works without a restart.
"""

from __future__ import annotations

from pathlib import Path

from exports import brief_pdf

CHROMIUM_PACKAGES = "chromium（统信 UOS/Debian：apt install chromium；银河麒麟/openEuler：yum install chromium）"
FONT_PACKAGES = "fonts-noto-cjk（统信 UOS/Debian）或 google-noto-sans-cjk-ttc-fonts、google-noto-serif-cjk-ttc-fonts（银河麒麟/openEuler）"


def chromium_path() -> str | None:
    """The browser kaleido would use (BROWSER_PATH, then PATH and the usual places), never a download."""
    from choreographer.browsers.chromium import Chromium

    return Chromium.find_browser(skip_local=True)


def missing_fonts() -> list[Path]:
    return [font for font in brief_pdf.REQUIRED_FONTS if not font.exists()]


# For a slide shown at the meeting: what is missing, without the installation advice.
NO_MAP_PICTURES = "本服务器暂不能生成地图图片（未安装 Chromium 浏览器），此处暂以柱状图代替地图"


def map_images_unavailable() -> str | None:
    """None when map pictures can be made; else the reason, in Chinese, naming the package to install."""
    if chromium_path() is None:
        return f"本服务器未安装 Chromium 浏览器，地图图片（PNG、A3 打印版 PDF、季讲评 PPT 中的地图）暂不能导出。请信息中心安装 {CHROMIUM_PACKAGES}。"
    return None


def brief_pdf_unavailable() -> str | None:
    """None when the 通报 PDF can be made; else the reason (the DOCX needs no system fonts)."""
    fonts = missing_fonts()
    if fonts:
        return (f"本服务器缺少中文字体（{'、'.join(f.name for f in fonts)}），周调度通报 PDF 暂不能导出（Word 版不受影响）。"
                f"请信息中心安装 {FONT_PACKAGES}。")
    return None
