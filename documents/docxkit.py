"""python-docx helpers for the template builder: an A4 page set out as Nghị định 30/2020/NĐ-CP
asks (margins, Times New Roman, the header block, the signature block), borderless layout tables
and ruled list tables whose rows repeat with docxtpl's `{%tr for %}` tags."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import datetime

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from domain.documents import FONT

# NĐ 30/2020, Phụ lục I, part I.2: A4; margins top and bottom 20-25 mm, left 30-35 mm, right
# 15-20 mm. Body text 13-14 pt (part II).
MARGINS = {"top": 2.0, "bottom": 2.0, "left": 3.0, "right": 1.5}
TEXT_WIDTH = 21.0 - MARGINS["left"] - MARGINS["right"]  # cm
BODY, SMALL, TINY = 13, 12, 11
# A fixed date in the files' properties and zip entries: rebuilding gives the same bytes.
STAMP = datetime(2026, 12, 1, 0, 0, 0)
CENTER, LEFT, RIGHT, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.LEFT,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


def _fonts_everywhere(doc: DocumentType) -> None:
    """Times New Roman in every style and the document defaults, theme fonts removed: a new
    paragraph an officer types is in the same font as the rest (Word's default is Calibri)."""
    root = doc.styles.element
    defaults = root.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None and rpr.find(qn("w:rFonts")) is None:
            rpr.insert(0, OxmlElement("w:rFonts"))
    for fonts in root.iter(qn("w:rFonts")):
        for attr in list(fonts.attrib):
            if attr.endswith("Theme"):
                del fonts.attrib[attr]
        for kind in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{kind}"), FONT)


def new_document(title: str) -> DocumentType:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(MARGINS["top"]), Cm(MARGINS["bottom"])
    section.left_margin, section.right_margin = Cm(MARGINS["left"]), Cm(MARGINS["right"])
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(0), 1.0
    _fonts_everywhere(doc)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = title, "ChungTay", "ChungTay"
    props.created = props.modified = STAMP
    props.revision = 1
    # The empty paragraph a new python-docx document starts with.
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    return doc


def para(
    where: DocumentType | _Cell,
    text: str = "",
    *,
    size: int = BODY,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = LEFT,
    before: float = 0,
    after: float = 0,
    indent: float = 0,
) -> Paragraph:
    """One paragraph of one run: a Jinja field in it stays whole (docxtpl reads it as is)."""
    p = where.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if indent:
        fmt.first_line_indent = Cm(indent)
    if text:
        run = p.add_run(text)
        run.font.name, run.font.size = FONT, Pt(size)
        run.bold, run.italic = bold, italic
    return p


def rule(where: DocumentType | _Cell, width_cm: float, within_cm: float = TEXT_WIDTH) -> Paragraph:
    """The short line under the issuing body, the motto or a title (a bottom border, centered
    by indents within a block `within_cm` wide)."""
    p = para(where, align=CENTER, size=4)
    side = max((within_cm - width_cm) / 2, 0)
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = Cm(side)
    ppr = p._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    ppr.append(border)
    return p


def new_page(doc: DocumentType) -> Paragraph:
    """A tiny empty paragraph that starts a new page itself ("page break before"): unlike a
    page break after a full page, it never leaves a blank page behind."""
    p = para(doc, size=1)
    p.paragraph_format.page_break_before = True
    fmt = p.paragraph_format
    fmt.line_spacing = Pt(1)
    return p


def tag(doc: DocumentType, text: str) -> Paragraph:
    """A paragraph holding only a docxtpl `{%p … %}` tag (the paragraph goes, the tag stays)."""
    return para(doc, text, size=TINY)


def _no_borders(table: Table) -> None:
    props = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "nil")
        borders.append(edge)
    props.append(borders)


def _widths(table: Table, widths: Sequence[float]) -> None:
    table.autofit = False
    grid = table._tbl.tblGrid
    for col, width in zip(grid.iterchildren(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(int(width * 567)))  # twentieths of a point per cm
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def layout(doc: DocumentType, widths: Sequence[float]) -> Table:
    """A borderless one-row table for side-by-side blocks (header, signatures)."""
    table = doc.add_table(rows=1, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _no_borders(table)
    _widths(table, widths)
    for cell in table.rows[0].cells:
        cell._tc.remove(cell.paragraphs[0]._p)  # each block adds its own paragraphs
    return table


LEFT_BLOCK = 6.5  # cm: the issuing body's column of the header


def header_block(
    doc: DocumentType,
    body: Sequence[tuple[str, bool]],
    date_field: str,
    number_field: str | None = None,
) -> None:
    """NĐ 30/2020 parts 1-5: the issuing body, a short line and the number and symbol on the
    left; the national motto, a line, and the place and date on the right."""
    table = layout(doc, (LEFT_BLOCK, TEXT_WIDTH - LEFT_BLOCK))
    left, motto = table.rows[0].cells
    for text, bold in body:
        para(left, text, size=SMALL + (1 if bold else 0), bold=bold, align=CENTER)
    rule(left, 2.5, LEFT_BLOCK)
    if number_field:
        para(left, number_field, size=BODY, align=CENTER, before=4)
    para(motto, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=SMALL, bold=True, align=CENTER)
    para(motto, "Độc lập - Tự do - Hạnh phúc", size=BODY, bold=True, align=CENTER)
    rule(motto, 5.5, TEXT_WIDTH - LEFT_BLOCK)
    para(motto, date_field, size=BODY, italic=True, align=CENTER, before=4)


Line = tuple[str, int, bool, bool]  # text, size, bold, italic


def recipients(lines: Sequence[str]) -> list[Line]:
    """NĐ 30/2020 part 9: "Nơi nhận:" in 12 pt bold italic, the recipients in 11 pt."""
    return [("Nơi nhận:", SMALL, True, True), *((line, TINY, False, False) for line in lines)]


def signer(*title: str, note: str | None = None) -> list[Line]:
    """The authority and title in bold capitals ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"; or the
    title alone, "CHỦ TỊCH", for an act of the chairman's own)."""
    lines: list[Line] = [(t, BODY, True, False) for t in title]
    if note:
        lines.append((note, BODY, False, True))
    return lines


def keep_with_next(doc: DocumentType, count: int) -> None:
    """The last `count` paragraphs of the body so far stay on the page of what follows them."""
    kept = 0
    for element in reversed(list(doc.element.body.iterchildren())):
        if element.tag == qn("w:sectPr"):  # the page set-up, always the body's last element
            continue
        if kept == count or element.tag != qn("w:p"):
            break
        Paragraph(element, doc).paragraph_format.keep_with_next = True
        kept += 1


def keep_rows_whole(table: Table) -> None:
    """Each row of the table on one page, never split across two (w:cantSplit)."""
    for table_row in table.rows:
        table_row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def signature_block(
    doc: DocumentType,
    columns: Sequence[tuple[Sequence[Line], str | None]],
    *,
    room: int = 4,
    widths: Sequence[float] | None = None,
    lead: int = 1,
) -> None:
    """Side-by-side blocks: each its lines, then `room` empty lines to sign and stamp, and a
    name line (None: a block without a signature, such as the recipients).

    The block is never split across pages, and the `lead` paragraphs before it go with it: the
    signers' names are never alone on a last page, away from the text they sign."""
    keep_with_next(doc, lead)
    table = layout(doc, widths or [TEXT_WIDTH / len(columns)] * len(columns))
    keep_rows_whole(table)
    for cell, (lines, name) in zip(table.rows[0].cells, columns, strict=True):
        for text, size, bold, italic in lines or (("", TINY, False, False),):
            align = LEFT if name is None else CENTER
            para(cell, text, size=size, bold=bold, italic=italic, align=align)
        if name is not None:
            for _ in range(room):
                para(cell)
            para(cell, name, bold=True, align=CENTER)


def ruled(doc: DocumentType, headers: Sequence[str], widths: Sequence[float]) -> Table:
    """A list table with borders and a bold header row repeated on every page (11 pt: the
    smaller size NĐ 30/2020 allows in tables)."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].alignment = CENTER
        run = cell.paragraphs[0].add_run(text)
        run.bold, run.font.size, run.font.name = True, Pt(TINY), FONT
    header = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    _widths(table, widths)
    return table


def row(
    table: Table,
    values: Sequence[str],
    *,
    merge: bool = False,
    bold: bool = False,
    aligns: Sequence[WD_ALIGN_PARAGRAPH] | None = None,
) -> None:
    """A table row of one run per cell; `merge`: one cell across the row (a tag or a heading)."""
    new = table.add_row()
    cells = new.cells
    if merge:
        cells[0].merge(cells[-1])
        cells = [new.cells[0]]
    for i, (cell, text) in enumerate(zip(cells, values, strict=False)):
        p = cell.paragraphs[0]
        p.alignment = aligns[i] if aligns else LEFT
        run = p.add_run(text)
        run.font.size, run.font.name, run.bold = Pt(TINY), FONT, bold


def save(doc: DocumentType) -> bytes:
    """The .docx bytes, with fixed zip entry dates so that a rebuild is byte-identical."""
    buf = io.BytesIO()
    doc.save(buf)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
