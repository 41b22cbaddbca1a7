"""The report to the ministry as PDF, typeset by reportlab with a TrueType font that has every
Vietnamese glyph (Noto Serif from Debian's fonts-noto-core, else DejaVu Serif from
fonts-dejavu-core, or the folder named by TINHSO_PDF_FONT_DIR), embedded in the file so it
reads the same on any machine, offline."""

from __future__ import annotations

import io
import os
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tinhso.errors import AppError
from tinhso.reporting.report import MOTTO, Document

FONT_FAMILIES = (
    ("NotoSerif", "/usr/share/fonts/truetype/noto", "NotoSerif-{}.ttf"),
    ("DejaVuSerif", "/usr/share/fonts/truetype/dejavu", "DejaVuSerif{}.ttf"),
    ("NotoSans", "/usr/share/fonts/truetype/noto", "NotoSans-{}.ttf"),
    ("DejaVuSans", "/usr/share/fonts/truetype/dejavu", "DejaVuSans{}.ttf"),
)
_STYLES = {"NotoSerif": ("Regular", "Bold", "Italic"), "NotoSans": ("Regular", "Bold", "Italic")}


class FontMissing(AppError):
    """No font with Vietnamese glyphs was found on this machine."""

    status = 500
    title = "Thiếu phông chữ"


def _font() -> str:
    """Register the first available family (regular, bold, italic); return its name."""
    candidates = list(FONT_FAMILIES)
    custom = os.environ.get("TINHSO_PDF_FONT_DIR")
    if custom:
        candidates.insert(0, ("Custom", custom, "NotoSerif-{}.ttf"))
    for name, folder, pattern in candidates:
        styles = _STYLES.get(name, ("", "-Bold", "-Oblique" if "Sans" in name else "-Italic"))
        if name == "Custom":
            styles = ("Regular", "Bold", "Italic")
        paths = [Path(folder) / pattern.format(s) for s in styles]
        if not all(p.exists() for p in paths):
            continue
        if name not in pdfmetrics.getRegisteredFontNames():
            for suffix, p in zip(("", "-Bold", "-Italic"), paths, strict=True):
                pdfmetrics.registerFont(TTFont(name + suffix, str(p)))
            pdfmetrics.registerFontFamily(
                name,
                normal=name,
                bold=name + "-Bold",
                italic=name + "-Italic",
                boldItalic=name + "-Bold",
            )
        return name
    raise FontMissing(
        "không tìm thấy phông chữ tiếng Việt để tạo PDF; cài gói fonts-noto-core hoặc "
        "fonts-dejavu-core, hoặc đặt TINHSO_PDF_FONT_DIR"
    )


def to_pdf(doc: Document) -> bytes:
    """Return the report as a PDF (A4 landscape when a table is wide)."""
    font = _font()
    wide = max([0, *(len(b.header) for b in doc.blocks)]) > 5
    size = landscape(A4) if wide else A4
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=14)
    center = ParagraphStyle("center", parent=base, alignment=TA_CENTER)
    bold_c = ParagraphStyle("boldc", parent=center, fontName=font + "-Bold")
    title = ParagraphStyle("title", parent=bold_c, fontSize=14, leading=18)
    body = ParagraphStyle("body", parent=base, alignment=TA_JUSTIFY, firstLineIndent=10 * mm)
    cell = ParagraphStyle("cell", parent=base, fontSize=9.5, leading=12)
    head = ParagraphStyle("head", parent=cell, fontName=font + "-Bold", alignment=TA_CENTER)
    note = ParagraphStyle("note", parent=base, fontName=font + "-Italic", fontSize=10)

    def p(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text), style)

    buf = io.BytesIO()
    pdf = SimpleDocTemplate(
        buf,
        pagesize=size,
        leftMargin=25 * mm,
        rightMargin=15 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{doc.title} {doc.subtitle}",
        author=doc.issuer_unit or doc.issuer,
    )
    usable = size[0] - 40 * mm
    story: list[object] = [
        Table(
            [
                [p(doc.issuer, center), p(MOTTO[0], bold_c)],
                [p(doc.issuer_unit, bold_c), p(MOTTO[1], bold_c)],
                [
                    p(doc.number, center),
                    p(
                        doc.place_date,
                        ParagraphStyle("i", parent=center, fontName=font + "-Italic"),
                    ),
                ],
            ],
            colWidths=[usable * 0.42, usable * 0.58],
        ),
        Spacer(1, 8 * mm),
        p(doc.title, title),
        p(doc.subtitle, bold_c),
        Spacer(1, 3 * mm),
        p(doc.recipient, center),
        Spacer(1, 5 * mm),
        p(doc.intro, body),
    ]
    for b in doc.blocks:
        story += [
            Spacer(1, 4 * mm),
            p(b.title, ParagraphStyle("h", parent=base, fontName=font + "-Bold")),
        ]
        if b.header:
            data = [[p(h, head) for h in b.header]] + [[p(c, cell) for c in r] for r in b.rows]
            widths = _widths(b.header, usable)
            table = Table(data, colWidths=widths, repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [Spacer(1, 2 * mm), table]
        if b.note:
            story += [Spacer(1, 1 * mm), p(b.note, note)]
    story += [Spacer(1, 5 * mm), p(doc.closing, body), Spacer(1, 6 * mm)]
    copies = [
        p("Nơi nhận:", ParagraphStyle("n", parent=base, fontName=font + "-Bold", fontSize=10))
    ]
    copies += [p(f"- {c}", ParagraphStyle("c", parent=base, fontSize=9.5)) for c in doc.copies]
    signer = [p(doc.signer_title, bold_c), Spacer(1, 20 * mm), p(doc.signer_name, bold_c)]
    story.append(Table([[copies, signer]], colWidths=[usable * 0.5, usable * 0.5]))
    pdf.build(story)
    return buf.getvalue()


def _widths(header: list[str], usable: float) -> list[float]:
    if header and header[0] == "STT":
        rest = usable - 12 * mm
        name = rest * (0.45 if len(header) <= 5 else 0.25)
        others = (rest - name) / max(1, len(header) - 2)
        return [12 * mm, name] + [others] * (len(header) - 2)
    first = usable * 0.5
    return [first] + [(usable - first) / max(1, len(header) - 1)] * (len(header) - 1)
