"""Builds the shipped DOCX templates: `python -m documents.build_templates [DIR]`.

The templates are Word documents an officer can open and edit; this script is how they are made,
so that their layout can be reviewed in a diff and made again. The Vietnamese wording is the
legal text's and the province's to change (in Word, or here); Jinja fields (`{{ … }}`, docxtpl's
`{%p … %}` and `{%tr … %}` tags) are what ChungTay fills in. Where each form was read:
docs/legal-sources.md ("Documents").
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx.document import Document as DocumentType
from docx.shared import Cm

from documents.docxkit import (
    CENTER,
    JUSTIFY,
    LEFT,
    TEXT_WIDTH,
    header_block,
    new_document,
    new_page,
    para,
    recipients,
    row,
    rule,
    ruled,
    save,
    signature_block,
    signer,
    tag,
)

HERE = Path(__file__).resolve().parent / "templates"
TITLE = 14
NOTE = 10  # the certificate's notes, so that it stays on one page
COMMUNE = (("ỦY BAN NHÂN DÂN", False), ("{{ commune_name|upper }}", True))
# Who signs (NĐ 30/2020, Phụ lục I, part 7): "TM." when the chairman signs for the committee, a
# collective body, whose document it is (the posting list, issued by the committee, as its header
# says); the chairman's title alone when the document is the chairman's own act: the decision
# (its issuing line is "CHỦ TỊCH ỦY BAN NHÂN DÂN …"; QĐ 24/2021 Điều 4 has the commune chairman
# recognise the lists) and the certificate ("Chủ tịch Ủy ban nhân dân xã … chứng nhận").
ON_BEHALF = ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
CHAIRMAN = ("CHỦ TỊCH",)
# Căn cứ (the legal bases) of the commune's documents. The local-government law in force since
# 1/7/2025 replaced the 2015 law that the 2021 forms cite.
LAW = "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;"
STANDARD = "Căn cứ {{ standard_basis }} của Chính phủ quy định chuẩn nghèo đa chiều;"
QD24 = (
    "Căn cứ Quyết định số 24/2021/QĐ-TTg ngày 16 tháng 7 năm 2021 của Thủ tướng Chính phủ quy "
    "định quy trình rà soát hộ nghèo, hộ cận nghèo hằng năm và quy trình xác định hộ làm nông "
    "nghiệp, lâm nghiệp, ngư nghiệp và diêm nghiệp có mức sống trung bình;"
)
C, L = CENTER, LEFT


def body(
    doc: DocumentType, text: str, *, bold: bool = False, italic: bool = False, before: float = 4
) -> None:
    para(doc, text, bold=bold, italic=italic, align=JUSTIFY, before=before, indent=1.0)


def heading(doc: DocumentType, text: str, before: float = 8) -> None:
    """A section heading, on the page of the text under it."""
    para(doc, text, bold=True, align=LEFT, before=before).paragraph_format.keep_with_next = True


def title(doc: DocumentType, *lines: str, before: float = 18) -> None:
    para(doc, lines[0], size=TITLE, bold=True, align=CENTER, before=before)
    for line in lines[1:]:
        para(doc, line, size=TITLE, bold=True, align=CENTER)


def minutes() -> DocumentType:
    """Biên bản họp bình xét (QĐ 24/2021 Điều 4 khoản 3; the appendix has no form for it)."""
    doc = new_document("Biên bản họp bình xét hộ nghèo, hộ cận nghèo")
    header_block(
        doc,
        (("UBND {{ commune_name|upper }}", False), ("{{ hamlet_name|upper }}", True)),
        "{{ date_line }}",
    )
    title(doc, "BIÊN BẢN")
    para(doc, "Họp dân bình xét hộ nghèo, hộ cận nghèo", bold=True, align=CENTER)
    para(doc, "{{ round_label }}", italic=True, align=CENTER)
    rule(doc, 4.0)
    body(doc, QD24)
    body(
        doc,
        "Hôm nay, {{ held_on }}, tại {{ place }}, {{ hamlet }} tổ chức họp dân để thống "
        "nhất kết quả rà soát hộ nghèo, hộ cận nghèo.",
    )
    heading(doc, "I. THÀNH PHẦN")
    body(doc, "- Chủ trì: {{ chair }}, Trưởng thôn;")
    body(doc, "- Thư ký: {{ secretary }};")
    body(
        doc,
        "- Số người tham dự: {{ present }} người (Ban Chỉ đạo rà soát cấp xã, công chức phụ trách "
        "công tác giảm nghèo, Bí thư Chi bộ thôn, đại diện các đoàn thể, rà soát viên, đại diện "
        "các hộ gia đình qua rà soát và hộ gia đình khác; đại diện Mặt trận Tổ quốc Việt Nam cấp "
        "xã giám sát).",
    )
    heading(doc, "II. NỘI DUNG VÀ KẾT QUẢ BÌNH XÉT")
    body(
        doc,
        "Cuộc họp lấy ý kiến thống nhất về kết quả đánh giá, chấm điểm từng hộ gia đình qua rà "
        "soát. Kết quả của một hộ được thông qua khi có {{ rule }} ({{ article }}): với "
        "{{ present }} người tham dự, cần ít nhất {{ needed }} ý kiến đồng ý.",
    )
    widths = (1.2, 3.9, 2.3, 3.3, 1.9, 1.6, 2.3)
    table = ruled(
        doc,
        ("STT", "Họ và tên chủ hộ", "Mã hộ", "Nội dung bình xét", "Số ý kiến đồng ý", "Tỷ lệ (%)",
         "Kết quả"),
        widths,
    )  # fmt: skip
    row(table, ["{%tr for r in rows %}"], merge=True)
    row(
        table,
        ["{{ r.no }}", "{{ r.head }}", "{{ r.code }}", "{{ r.content }}", "{{ r.votes }}",
         "{{ r.share }}", "{{ r.result }}"],
        aligns=(C, L, C, L, C, C, C),
    )  # fmt: skip
    row(table, ["{%tr endfor %}"], merge=True)
    body(
        doc,
        "Tổng số: {{ rows|length }} hộ được bình xét; {{ passed }} hộ được thông qua, "
        "{{ failed }} hộ không được thông qua.",
    )
    heading(doc, "III. KẾT LUẬN")
    body(
        doc,
        "Các hộ được thông qua được đề nghị Ban Chỉ đạo rà soát cấp xã đưa vào danh sách niêm "
        "yết, thông báo công khai. Các hộ có ý kiến thống nhất dưới 50% được rà soát lại và họp "
        "dân lại.",
    )
    body(
        doc,
        "Cuộc họp kết thúc vào lúc … giờ … cùng ngày. Biên bản được lập thành 02 bản, có chữ ký "
        "của chủ trì, thư ký cuộc họp và đại diện các hộ dân (01 bản lưu ở thôn, 01 bản gửi Ban "
        "Chỉ đạo rà soát cấp xã).",
    )
    note = "(Ký, ghi rõ họ tên)"
    signature_block(
        doc,
        (
            (signer("THƯ KÝ", note=note), "{{ secretary }}"),
            (signer("ĐẠI DIỆN", "CÁC HỘ DÂN", note=note), ""),
            (signer("CHỦ TRÌ", note=note), "{{ chair }}"),
        ),
        lead=2,  # the conclusion and the closing, under "III. KẾT LUẬN"
    )
    return doc


def posting() -> DocumentType:
    """Danh sách niêm yết công khai (QĐ 24/2021 Điều 4 khoản 4), per hamlet or commune."""
    doc = new_document("Danh sách niêm yết công khai")
    header_block(doc, COMMUNE, "{{ date_line }}")
    title(doc, "DANH SÁCH NIÊM YẾT CÔNG KHAI")
    para(
        doc,
        "Hộ gia đình đề nghị công nhận hộ nghèo, hộ cận nghèo, hộ thoát nghèo, hộ thoát cận nghèo",
        bold=True,
        align=CENTER,
    )
    para(doc, "{{ round_label }} – {{ scope }}", italic=True, align=CENTER)
    rule(doc, 4.0)
    para(
        doc,
        "Thời gian niêm yết: từ ngày {{ posting_from }} đến hết ngày {{ posting_to }} "
        "({{ working_days }} ngày làm việc)",
        bold=True,
        align=CENTER,
        before=6,
        after=6,
    )
    widths = (1.2, 3.6, 2.3, 1.3, 1.4, 2.9, 2.2, 1.6)
    table = ruled(
        doc,
        ("STT", "Họ và tên chủ hộ", "Mã hộ", "Số khẩu", "Hộ DTTS", "Nội dung đề nghị",
         "Kết quả họp thôn", "Ghi chú"),
        widths,
    )  # fmt: skip
    row(table, ["{%tr for g in groups %}"], merge=True)
    row(table, ["{{ g.title }}"], merge=True, bold=True)
    row(table, ["{%tr for r in g.rows %}"], merge=True)
    row(
        table,
        ["{{ r.no }}", "{{ r.head }}", "{{ r.code }}", "{{ r.members }}", "{{ r.ethnic }}",
         "{{ r.content }}", "{{ r.meeting }}", "{{ r.note }}"],
        aligns=(C, L, C, C, C, L, C, L),
    )  # fmt: skip
    row(table, ["{%tr endfor %}"], merge=True)
    row(table, ["{%tr endfor %}"], merge=True)
    body(doc, "Tổng cộng: {{ total }} hộ, {{ total_members }} nhân khẩu.", bold=True)
    body(
        doc,
        "Trong thời gian niêm yết, người dân có ý kiến, khiếu nại về danh sách này gửi trực tiếp "
        "hoặc bằng văn bản đến Trưởng thôn hoặc Ủy ban nhân dân {{ commune }} để được xem xét, "
        "giải quyết.",
        italic=True,
    )
    signature_block(
        doc,
        (
            (signer("NGƯỜI LẬP DANH SÁCH", note="(Ký, ghi rõ họ tên)"), "{{ prepared_by }}"),
            (signer(*ON_BEHALF, note="(Ký, đóng dấu)"), "{{ signer }}"),
        ),
        lead=2,  # the total and where to send a complaint
    )
    return doc


def decision() -> DocumentType:
    """Mẫu số 02 (QĐ 24/2021): the commune's decision and its annex lists."""
    doc = new_document("Quyết định công nhận hộ nghèo, hộ cận nghèo")
    header_block(doc, COMMUNE, "{{ date_line }}", "Số: {{ number }}")
    title(doc, "QUYẾT ĐỊNH", before=12)
    para(
        doc,
        "Công nhận danh sách hộ nghèo, hộ cận nghèo và danh sách hộ thoát nghèo, hộ thoát cận "
        "nghèo {{ year_phrase }} trên địa bàn {{ commune }}",
        bold=True,
        align=CENTER,
    )
    rule(doc, 4.0)
    para(
        doc, "CHỦ TỊCH ỦY BAN NHÂN DÂN {{ commune_name|upper }}", bold=True, align=CENTER, before=12
    )
    for text in (
        LAW,
        STANDARD,
        QD24,
        "Căn cứ kết quả rà soát hộ nghèo, hộ cận nghèo {{ round_label }} và kết quả niêm yết, "
        "thông báo công khai từ ngày {{ posting_from }} đến hết ngày {{ posting_to }};",
        "Theo đề nghị của Ban Chỉ đạo rà soát hộ nghèo, hộ cận nghèo {{ commune }}.",
    ):
        body(doc, text, italic=True)
    para(doc, "QUYẾT ĐỊNH:", bold=True, align=CENTER, before=10, after=4)
    body(
        doc,
        "Điều 1. Công nhận danh sách hộ nghèo, hộ cận nghèo và danh sách hộ thoát nghèo, hộ thoát "
        "cận nghèo {{ year_phrase }} trên địa bàn {{ commune }}, cụ thể như sau:",
    )
    tag(doc, "{%p for a in counts %}")
    body(
        doc,
        "{{ loop.index }}. {{ a.name }}: {{ a.households }} hộ, {{ a.members }} nhân khẩu"
        "{% if a.ethnic %} (trong đó {{ a.ethnic }} hộ dân tộc thiểu số){% endif %}.",
    )
    tag(doc, "{%p endfor %}")
    body(doc, "(Có danh sách chi tiết kèm theo.)", italic=True)
    body(
        doc,
        "Điều 2. Danh sách hộ nghèo, hộ cận nghèo tại Điều 1 là căn cứ để thực hiện các chính sách "
        "hỗ trợ giảm nghèo và an sinh xã hội {{ effective_phrase }}. Hộ nghèo, hộ cận nghèo được "
        "cấp Giấy chứng nhận hộ nghèo, hộ cận nghèo (Mẫu số 03 ban hành kèm theo Quyết định số "
        "24/2021/QĐ-TTg).",
    )
    body(
        doc,
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Văn phòng Hội đồng nhân dân và Ủy ban "
        "nhân dân, công chức phụ trách công tác giảm nghèo, Trưởng các thôn, tổ dân phố và các "
        "hộ gia đình có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.",
    )
    signature_block(
        doc,
        (
            (recipients(("- Như Điều 3;", "- UBND tỉnh (Sở Nông nghiệp và Môi trường);",
                         "- Lưu: VT.")), None),
            (signer(*CHAIRMAN), "{{ signer }}"),
        ),
        room=3,
    )  # fmt: skip
    tag(doc, "{%p for a in annexes %}")
    new_page(doc)
    para(doc, "{{ a.title }}", size=TITLE, bold=True, align=CENTER)
    para(
        doc,
        "(Kèm theo Quyết định số {{ number }} ngày {{ date_short }} của Chủ tịch Ủy ban nhân dân "
        "{{ commune }})",
        italic=True,
        align=CENTER,
        after=6,
    )
    widths = (1.2, 4.2, 2.3, 3.0, 1.3, 1.4, 3.1)
    table = ruled(
        doc, ("STT", "Họ và tên chủ hộ", "Mã hộ", "Thôn", "Số khẩu", "Hộ DTTS", "Ghi chú"), widths
    )
    row(table, ["{%tr for r in a.rows %}"], merge=True)
    row(
        table,
        ["{{ r.no }}", "{{ r.head }}", "{{ r.code }}", "{{ r.hamlet }}", "{{ r.members }}",
         "{{ r.ethnic }}", "{{ r.note }}"],
        aligns=(C, L, C, L, C, C, L),
    )  # fmt: skip
    row(table, ["{%tr endfor %}"], merge=True)
    body(doc, "Tổng cộng: {{ a.households }} hộ, {{ a.members }} nhân khẩu.", bold=True)
    tag(doc, "{%p endfor %}")
    return doc


def certificate() -> DocumentType:
    """Mẫu số 03 (QĐ 24/2021): one certificate per household, each from a new page."""
    doc = new_document("Giấy chứng nhận hộ nghèo, hộ cận nghèo")
    tag(doc, "{%p for c in certificates %}")
    tag(doc, "{%p if not loop.first %}")
    new_page(doc)
    tag(doc, "{%p endif %}")
    header_block(doc, COMMUNE, "{{ date_line }}", "Số: {{ c.number }}")
    title(doc, "GIẤY CHỨNG NHẬN HỘ NGHÈO, HỘ CẬN NGHÈO", before=8)
    for text in (
        LAW,
        STANDARD,
        "Căn cứ kết quả rà soát hộ nghèo, hộ cận nghèo hằng năm trên địa bàn, Chủ tịch Ủy ban nhân "
        "dân {{ commune }} chứng nhận:",
    ):
        body(doc, text, italic=True, before=2)
    for text in (
        "Hộ gia đình ông/bà: {{ c.head }}          Dân tộc: {{ c.ethnicity }}",
        "Số định danh cá nhân: …………………          Ngày cấp: …………",
        "Nơi thường trú: {{ c.address }}",
    ):
        para(doc, text, before=3, indent=1.0)
    heading(doc, "I. Danh sách thành viên hộ gia đình", before=4)
    widths = (1.2, 4.3, 1.8, 2.6, 1.5, 1.5, 3.6)
    table = ruled(
        doc,
        ("STT", "Họ và tên", "Dân tộc", "Mối quan hệ với chủ hộ", "Năm sinh", "",
         "Ghi chú (trường hợp thay đổi thành viên)"),
        widths,
    )  # fmt: skip
    row(table, ["", "", "", "", "Nam", "Nữ", ""], bold=True, aligns=(C,) * 7)
    top, sub = table.rows[0].cells, table.rows[1].cells
    for i in (0, 1, 2, 3, 6):
        top[i].merge(sub[i])
    top[4].merge(top[5])
    row(table, ["{%tr for m in c.members %}"], merge=True)
    row(
        table,
        ["{{ m.no }}", "{{ m.name }}", "{{ m.ethnicity }}", "{{ m.relation }}", "", "", ""],
        aligns=(C, L, C, L, C, C, L),
    )
    row(table, ["{%tr endfor %}"], merge=True)
    heading(doc, "II. Kết quả phân loại hộ gia đình giai đoạn {{ c.period }}", before=4)
    years = ruled(
        doc,
        ("Năm", "Phân loại (N: hộ nghèo, CN: hộ cận nghèo)", "Chỉ số thiếu hụt dịch vụ xã hội "
         "cơ bản", "Xác nhận của Chủ tịch UBND cấp xã (ký tên, đóng dấu)"),
        (2.0, 3.5, 5.0, 6.0),
    )  # fmt: skip
    row(years, ["{%tr for y in c.years %}"], merge=True)
    row(years, ["{{ y.year }}", "{{ y.klass }}", "{{ y.deprived }}", ""], aligns=(C, C, C, C))
    years.rows[-1].height = Cm(0.9)  # room for a signature and a seal
    row(years, ["{%tr endfor %}"], merge=True)
    para(doc, "Chỉ số thiếu hụt: {{ c.legend }}.", size=NOTE, italic=True, align=JUSTIFY, before=2)
    notes = (
        "1. Giấy chứng nhận hộ nghèo, hộ cận nghèo được cấp cho hộ gia đình làm căn cứ xác định "
        "hộ gia đình và các thành viên trong hộ gia đình được hưởng các chính sách hỗ trợ hộ "
        "nghèo, hộ cận nghèo.",
        "2. Căn cứ Quyết định công nhận danh sách hộ nghèo, hộ cận nghèo hằng năm trên địa bàn, "
        "Chủ tịch Ủy ban nhân dân cấp xã ký tên, đóng dấu xác nhận vào ô của năm ngay sau thời "
        "điểm rà soát, làm cơ sở để hộ gia đình hưởng chính sách trong năm đó.",
        "3. Trường hợp hộ gia đình có thay đổi về thành viên, gửi các giấy tờ liên quan (giấy "
        "chứng nhận kết hôn, giấy khai sinh, giấy chứng tử…) đến Ủy ban nhân dân cấp xã để điều "
        "chỉnh.",
    )
    # The notes beside the signature rather than under it: one page per household.
    lines = [("Những vấn đề cần lưu ý:", NOTE, True, False)]
    lines += [(note, NOTE, False, False) for note in notes]
    signature_block(
        doc,
        ((lines, None), (signer(*CHAIRMAN), "{{ signer }}")),
        room=3,
        widths=(TEXT_WIDTH - 6.5, 6.5),
    )
    tag(doc, "{%p endfor %}")
    return doc


BUILDERS = {
    "minutes": minutes,
    "posting": posting,
    "decision": decision,
    "certificate": certificate,
}


def build(kind: str) -> bytes:
    return save(BUILDERS[kind]())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else HERE
    target.mkdir(parents=True, exist_ok=True)
    for kind in BUILDERS:
        (target / f"{kind}.docx").write_bytes(build(kind))
        print(target / f"{kind}.docx")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
