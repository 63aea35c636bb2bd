"""The report as a PDF: its Markdown rendered to HTML (markdown-it) and laid out by fpdf2.

DejaVu Sans (Debian's fonts-dejavu-core) carries the quotes, dashes and accents candidates write; where
it is missing the core Helvetica font is used and characters outside Latin-1 are replaced.
"""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF
from markdown_it import MarkdownIt

from .report import Report

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_EMOJI = re.compile("[\U0001F000-\U0001FFFF\u2600-\u27BF\uFE0F]")


def _font(pdf: FPDF) -> str:
    regular = FONT_DIR / "DejaVuSans.ttf"
    if not regular.is_file():
        return "helvetica"
    for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf"), ("I", "DejaVuSans-Oblique.ttf"),
                        ("BI", "DejaVuSans-BoldOblique.ttf")):
        path = FONT_DIR / name
        pdf.add_font("dejavu", style, str(path if path.is_file() else regular))
    return "dejavu"


def markdown_pdf(markdown: str, title: str) -> bytes:
    """`markdown` (a report) as PDF bytes."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    family = _font(pdf)
    pdf.set_font(family, size=10)
    text = _EMOJI.sub("", markdown)
    if family == "helvetica":
        text = text.encode("latin-1", "replace").decode("latin-1")
    html = MarkdownIt("commonmark").enable("table").render(text)
    pdf.write_html(html, font_family=family, table_line_separators=True)
    return bytes(pdf.output())


def report_pdf(report: Report) -> bytes:
    """The report as a PDF (what the Markdown export says, laid out for printing)."""
    return markdown_pdf(report.markdown(), f"Interview report: {report.title}")
