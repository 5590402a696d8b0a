"""The procedure's documents over the API: each made from a round taken through the procedure
(tests/api/documents_round.py), converted to PDF by LibreOffice and read back as a person would
see it: the filled fields are there, every page is A4 (the summary landscape), no template field
is left; the figures are the API's."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from bot.services import Services
from storage.db import transaction
from storage.seed import seed_demo
from tests.api.conftest import Tokens, bearer, make_token
from tests.api.documents_round import RoundData, build_round
from tests.conftest import SECRET
from tests.pdf import Pdf, a4, placeholders, to_pdf

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCS = "/api/v1/documents"


@pytest.fixture
async def decided(services: Services, tokens: Tokens) -> RoundData:
    return await build_round(services)


@pytest.fixture
async def posted(services: Services, tokens: Tokens) -> RoundData:
    return await build_round(services, decide_it=False)


async def fetch(client: httpx.AsyncClient, token: str, path: str, **params: object) -> bytes:
    r = await client.get(f"{DOCS}/{path}", params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == (DOCX if path.endswith(".docx") else XLSX)
    assert r.headers["content-disposition"].startswith("attachment; filename=")
    return r.content


def check(pdf: Pdf, *, landscape: bool = False) -> str:
    """The PDF's text, once every page is known to be A4 with no field left unfilled."""
    assert placeholders(pdf) == []
    assert a4(pdf, landscape=landscape), pdf.sizes
    return pdf.flat()


def has(text: str, *parts: str) -> None:
    missing = [p for p in parts if p not in text]
    assert not missing, f"{missing} not in: {text[:3000]}"


async def test_every_document_of_a_decided_round(
    client: httpx.AsyncClient, tokens: Tokens, decided: RoundData
) -> None:
    token, rid = tokens.giavien, decided.round_id
    files = {
        "minutes.docx": await fetch(client, token, "minutes.docx", meeting=decided.meeting_id),
        "posting.docx": await fetch(client, token, "posting.docx", round=rid),
        "posting-list.xlsx": await fetch(client, token, "posting.xlsx", round=rid),
        "decision.docx": await fetch(client, token, "decision.docx", round=rid),
        "certificates.docx": await fetch(client, token, "certificate.docx", round=rid),
        "summary.xlsx": await fetch(client, token, "summary.xlsx", round=rid),
    }
    pdfs = to_pdf(files)

    minutes = check(pdfs["minutes.docx"])
    has(
        minutes,
        "UBND XÃ GIA VIỄN", "THÔN ĐÔNG", "BIÊN BẢN", "Gia Viễn, ngày 16 tháng 11 năm 2026",
        "đợt rà soát định kỳ năm 2026", "Hôm nay, ngày 16 tháng 11 năm 2026, tại Nhà văn hóa "
        "thôn Đông, thôn Đông", "Chủ trì: Nguyễn Văn An", "Thư ký: Trần Thị Thu",
        "Số người tham dự: 20 người", "ít nhất 50% tổng số người tham dự",
        "cần ít nhất 10 ý kiến đồng ý", "Trần Văn Bình", "15/20", "75,0", "Lê Thị Cúc", "16/20",
        "Đỗ Văn Giang", "8/20", "40,0", "Không thông qua", "3 hộ được bình xét; 2 hộ được thông "
        "qua, 1 hộ không được thông qua", "01 bản lưu ở thôn",
    )  # fmt: skip
    # The signers' names are never alone on a last page: the signature block keeps whole, with
    # the closing text it signs.
    last = " ".join(pdfs["minutes.docx"].pages[-1].split())
    has(last, "Cuộc họp kết thúc", "THƯ KÝ", "CHỦ TRÌ", "Trần Thị Thu", "Nguyễn Văn An")

    posting = check(pdfs["posting.docx"])
    has(
        posting,
        "DANH SÁCH NIÊM YẾT CÔNG KHAI", "từ ngày 18/11/2026 đến hết ngày 20/11/2026 (3 ngày làm "
        "việc)", "Thôn Đông", "Trần Văn Bình", "Thoát nghèo (thành hộ cận nghèo)", "Lê Thị Cúc",
        "Nghèo phát sinh", "16/20 (Thông qua)",
        # The annual review posts the whole lists it will decide: the households staying on
        # them too, so the posting holds what the decision recognises (2 poor, 2 near-poor).
        "Vũ Thị Hà", "Tiếp tục là hộ nghèo", "Phạm Thị Dung", "Tiếp tục là hộ cận nghèo",
        "Tổng cộng: 4 hộ, 16 nhân khẩu",
        "TM. ỦY BAN NHÂN DÂN", "Lê Văn Chủ", "Đợt rà soát định kỳ năm 2026 – xã Gia Viễn",
        "người dân có ý kiến, khiếu nại về danh sách này gửi trực tiếp hoặc bằng văn bản đến "
        "Trưởng thôn hoặc Ủy ban nhân dân xã Gia Viễn",
    )  # fmt: skip
    assert "Đỗ Văn Giang" not in posting  # the meeting did not pass it
    # A public notice the chairman signs names no app and no chat command.
    assert "ChungTay" not in posting and "/phananh" not in posting
    listing = check(pdfs["posting-list.xlsx"], landscape=True)
    has(listing, "DANH SÁCH NIÊM YẾT CÔNG KHAI", "Trần Văn Bình", "Lê Thị Cúc", "Ghi chú")

    decision = check(pdfs["decision.docx"])
    has(
        decision,
        "ỦY BAN NHÂN DÂN XÃ GIA VIỄN", "Số: 125/QĐ-UBND", "Gia Viễn, ngày 24 tháng 11 năm 2026",
        "QUYẾT ĐỊNH", "năm 2027 trên địa bàn xã Gia Viễn", "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ GIA VIỄN",
        "Căn cứ Nghị định số 351/2025/NĐ-CP ngày 30/12/2025",
        "từ ngày 18/11/2026 đến hết ngày 20/11/2026",
        "1. Hộ nghèo: 2 hộ, 5 nhân khẩu (trong đó 1 hộ dân tộc thiểu số)",
        "2. Hộ cận nghèo: 2 hộ, 11 nhân khẩu", "3. Hộ thoát nghèo: 1 hộ, 5 nhân khẩu",
        "4. Hộ thoát cận nghèo: 0 hộ, 0 nhân khẩu", "từ ngày 01 tháng 01 năm 2027",
        "- Lưu: VT. CHỦ TỊCH Lê Văn Chủ", "DANH SÁCH HỘ NGHÈO NĂM 2027",
        "(Kèm theo Quyết định số 125/QĐ-UBND ngày 24/11/2026 của Chủ tịch Ủy ban nhân dân xã "
        "Gia Viễn)", "DANH SÁCH HỘ CẬN NGHÈO NĂM 2027", "DANH SÁCH HỘ THOÁT NGHÈO NĂM 2027",
        "Vũ Thị Hà", "Phạm Thị Dung", "thành hộ cận nghèo",
    )  # fmt: skip
    assert "DANH SÁCH HỘ THOÁT CẬN NGHÈO" not in decision  # an empty list has no annex
    # The chairman's own act (NĐ 30/2020): signed "CHỦ TỊCH", not "TM." of the committee.
    assert "TM." not in decision
    # The decision starts on page 1; each annex list on a page of its own.
    assert "QUYẾT ĐỊNH" in pdfs["decision.docx"].pages[0]
    assert [p for p in pdfs["decision.docx"].pages if "DANH SÁCH HỘ" in p] == pdfs[
        "decision.docx"
    ].pages[1:]

    certificates = pdfs["certificates.docx"]
    check(certificates)
    assert len(certificates.pages) == 4  # one page per household on the two lists
    cuc = next(p for p in certificates.pages if "Lê Thị Cúc" in p)
    has(
        " ".join(cuc.split()),
        "GIẤY CHỨNG NHẬN HỘ NGHÈO, HỘ CẬN NGHÈO", "Số: …/GCN-HN.HCN",
        "Gia Viễn, ngày 24 tháng 11 năm 2026",
        "Nơi thường trú: thôn Đông, xã Gia Viễn, tỉnh Ninh Bình", "giai đoạn 2027 – 2030",
        "2027 N 4, 9, 10", "Chủ tịch Ủy ban nhân dân xã Gia Viễn chứng nhận", "CHỦ TỊCH",
        "Lê Văn Chủ",
    )  # fmt: skip
    assert "TM." not in certificates.text

    summary = check(pdfs["summary.xlsx"], landscape=True)
    has(
        summary,
        "TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ NGHÈO", "TỔNG HỢP KẾT QUẢ RÀ SOÁT HỘ CẬN NGHÈO",
        "(Kèm theo Quyết định số 125/QĐ-UBND ngày 24/11/2026 của Chủ tịch Ủy ban nhân dân xã "
        "Gia Viễn)", "Khu vực thành thị", "Khu vực nông thôn", "Trong đó hộ DTTS",
    )  # fmt: skip
    assert summary.index("Khu vực thành thị") < summary.index("Khu vực nông thôn")


def _sheet_rows(content: bytes, title: str) -> dict[str, list[Any]]:
    ws = load_workbook(io.BytesIO(content))[title]
    return {
        str(r[1]): list(r[2:])
        for r in ws.iter_rows(min_row=12, max_col=17, values_only=True)
        if r[1] is not None
    }


async def test_the_summary_form_has_the_api_figures(
    client: httpx.AsyncClient, tokens: Tokens, decided: RoundData
) -> None:
    content = await fetch(client, tokens.giavien, "summary.xlsx", round=decided.round_id)
    r = await client.get(
        "/api/v1/reports/summary",
        params={"unit": "37-GIAVIEN", "period": "2026", "kind": "annual"},
        headers=bearer(tokens.giavien),
    )
    api = r.json()["rows"][-1]["all"]
    n = api["households"]
    poor = _sheet_rows(content, "Hộ nghèo")["Tổng cộng"]
    p = api["poor"]
    assert poor[0] == n
    assert [poor[1], poor[5], poor[7], poor[9], poor[11], poor[13]] == [
        p["start"], p["exited"], p["fell_back"], p["newly"], p["end"],
        api["ethnic_minority_poor"],
    ]  # fmt: skip
    assert poor[12] == f"{p['rate']:.1f}".replace(".", ",")
    near = _sheet_rows(content, "Hộ cận nghèo")["Tổng cộng"]
    q = api["near_poor"]
    assert [near[1], near[5], near[11], near[13]] == [
        q["start"], q["exited"], q["end"], api["ethnic_minority_near_poor"]
    ]  # fmt: skip
    # Bình and Hà poor at the start (no minority), Cúc (minority) newly poor, Bình exited.
    assert (poor[1], poor[3], poor[11], poor[13]) == (2, 0, 2, 1)


async def test_the_decision_lists_the_round_list(
    client: httpx.AsyncClient, tokens: Tokens, decided: RoundData
) -> None:
    """Every household the round decided is on the decision's lists, as the API lists them."""
    r = await client.get(f"/api/v1/rounds/{decided.round_id}/list", headers=bearer(tokens.giavien))
    names = {i["head_name"] for i in r.json()["items"]}
    assert names == {"Trần Văn Bình", "Lê Thị Cúc"}
    content = await fetch(client, tokens.giavien, "decision.docx", round=decided.round_id)
    text = to_pdf({"decision.docx": content})["decision.docx"].flat()
    assert all(name in text for name in names)


async def test_a_draft_decision_before_the_chairman_signs(
    client: httpx.AsyncClient, tokens: Tokens, posted: RoundData
) -> None:
    """While the list is posted the decision is a draft: number, date and signer left blank;
    the posting list names the posted households; certificates wait for the decision's lists."""
    rid = posted.round_id
    files = {
        "decision.docx": await fetch(client, tokens.giavien, "decision.docx", round=rid),
        "posting.docx": await fetch(
            client, tokens.giavien, "posting.docx", round=rid, hamlet="37-GIAVIEN-01"
        ),
    }
    pdfs = to_pdf(files)
    draft = check(pdfs["decision.docx"])
    has(
        draft,
        "Số: …/QĐ-UBND", "Gia Viễn, ngày … tháng … năm 2026", "Lê Thị Cúc",
        "(Kèm theo Quyết định số …/QĐ-UBND ngày … của",
    )  # fmt: skip
    posting = check(pdfs["posting.docx"])
    has(posting, "Đợt rà soát định kỳ năm 2026 – thôn Đông", "Gia Viễn, ngày 18 tháng 11 năm 2026")


async def test_one_households_certificate(
    client: httpx.AsyncClient, tokens: Tokens, decided: RoundData
) -> None:
    cuc = decided.households["Lê Thị Cúc"]
    ha = decided.households["Vũ Thị Hà"]
    files = {
        "cuc.docx": await fetch(client, tokens.giavien, "certificate.docx", household=cuc),
        "ha.docx": await fetch(client, tokens.giavien, "certificate.docx", household=ha),
    }
    pdfs = to_pdf(files)
    text = check(pdfs["cuc.docx"])
    has(text, "Lê Thị Cúc", "2027 N 4, 9, 10", "Số: …/GCN-HN.HCN")
    # Hà, unchanged, is on the annual review's whole poor list of 2027: that decision's year,
    # date and signer, though no request of hers went through it.
    text = " ".join(check(pdfs["ha.docx"]).split())
    has(text, "Vũ Thị Hà", "Gia Viễn, ngày 24 tháng 11 năm 2026", "2027 N", "Lê Văn Chủ")
    giang = decided.households["Đỗ Văn Giang"]
    r = await client.get(
        f"{DOCS}/certificate.docx", params={"household": giang}, headers=bearer(tokens.giavien)
    )
    assert (r.status_code, r.json()) == (409, {"error": "not_poor_or_near_poor"})


async def test_documents_are_scoped_by_the_token(
    client: httpx.AsyncClient, tokens: Tokens, decided: RoundData
) -> None:
    rid, mid = decided.round_id, decided.meeting_id
    for path, params in (
        ("minutes.docx", {"meeting": mid}),
        ("posting.docx", {"round": rid}),
        ("posting.xlsx", {"round": rid}),
        ("decision.docx", {"round": rid}),
        ("certificate.docx", {"round": rid}),
        ("certificate.docx", {"household": decided.households["Lê Thị Cúc"]}),
        ("summary.xlsx", {"round": rid}),
    ):
        r = await client.get(f"{DOCS}/{path}", params=params, headers=bearer(tokens.kimson))
        assert (r.status_code, r.json()) == (403, {"error": "forbidden"}), path
        r = await client.get(f"{DOCS}/{path}", params=params)
        assert r.status_code == 401, path
    r = await client.get(
        f"{DOCS}/decision.docx", params={"round": 999}, headers=bearer(tokens.province)
    )
    assert (r.status_code, r.json()) == (404, {"error": "not_found"})
    r = await client.get(
        f"{DOCS}/posting.docx", params={"round": rid, "hamlet": "37-KIMSON-01"},
        headers=bearer(tokens.province),
    )  # fmt: skip
    assert r.status_code == 404  # not a hamlet of the round's commune
    r = await client.get(
        f"{DOCS}/decision.docx", params={"round": rid}, headers=bearer(tokens.province)
    )
    assert r.status_code == 200  # the province sees its communes' documents


async def test_documents_are_in_the_openapi_schema(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path, media in (
        ("minutes.docx", DOCX), ("posting.docx", DOCX), ("posting.xlsx", XLSX),
        ("decision.docx", DOCX), ("certificate.docx", DOCX), ("summary.xlsx", XLSX),
    ):  # fmt: skip
        content = paths[f"{DOCS}/{path}"]["get"]["responses"]["200"]["content"]
        assert list(content) == [media], path


async def test_every_document_from_the_demo_data(
    client: httpx.AsyncClient, services: Services
) -> None:
    """`make run`'s demo data: one of each document the dashboard lists for Xã Gia Viễn, and a
    poor household's certificate, rendered without a field left."""
    async with transaction(services.sessionmaker) as db:
        await seed_demo(db, secret_key=SECRET, now=services.clock())
    token = await make_token(services, "officer", "37-GIAVIEN")
    r = await client.get(DOCS, params={"unit": "37-GIAVIEN"}, headers=bearer(token))
    assert r.status_code == 200, r.text
    paths: dict[tuple[str, str], str] = {}
    for item in r.json()["items"]:
        for d in item["documents"]:
            paths.setdefault((d["kind"], d["format"]), d["path"])
    assert set(paths) >= {
        ("decision", "docx"), ("posting", "docx"), ("posting", "xlsx"), ("minutes", "docx"),
        ("certificate", "docx"), ("summary", "xlsx"),
    }, sorted(paths)  # fmt: skip
    files = {}
    for (kind, fmt), path in paths.items():
        got = await client.get(path, headers=bearer(token))
        assert got.status_code == 200, (path, got.text)
        files[f"demo-{kind}-{fmt}.{fmt}"] = got.content
    poor = await client.get(
        "/api/v1/households",
        params={"unit": "37-GIAVIEN", "status": "poor", "limit": 1},
        headers=bearer(token),
    )
    [household] = poor.json()["items"]
    files["demo-household.docx"] = await fetch(
        client, token, "certificate.docx", household=household["id"]
    )
    for name, pdf in to_pdf(files).items():
        check(pdf, landscape=name.endswith(".xlsx"))


async def test_the_document_index_of_a_commune(
    client: httpx.AsyncClient, services: Services, tokens: Tokens, decided: RoundData
) -> None:
    r = await client.get(DOCS, params={"unit": "37-GIAVIEN-01"}, headers=bearer(tokens.giavien))
    [item] = r.json()["items"]  # a hamlet: its commune's rounds
    assert (item["round_id"], item["status"], item["decision_number"]) == (
        decided.round_id, "closed", "125/QĐ-UBND",
    )  # fmt: skip
    paths = [d["path"] for d in item["documents"]]
    rid = decided.round_id
    assert paths == [
        f"{DOCS}/decision.docx?round={rid}",
        f"{DOCS}/posting.docx?round={rid}",
        f"{DOCS}/posting.xlsx?round={rid}",
        f"{DOCS}/certificate.docx?round={rid}",
        f"{DOCS}/summary.xlsx?round={rid}",
        f"{DOCS}/minutes.docx?meeting={decided.meeting_id}",
    ]
    for path in paths:  # every link works with the same token
        assert (await client.get(path, headers=bearer(tokens.giavien))).status_code == 200
    # Another hamlet's token: the commune's round, but not Thôn Đông's minutes.
    tay = await make_token(services, "officer", "37-GIAVIEN-02")
    [item] = (await client.get(DOCS, headers=bearer(tay))).json()["items"]
    assert [d["kind"] for d in item["documents"]] == [
        "decision", "posting", "posting", "certificate", "summary"
    ]  # fmt: skip
    r = await client.get(DOCS, params={"unit": "37-GIAVIEN"}, headers=bearer(tokens.kimson))
    assert r.status_code == 403
    r = await client.get(DOCS, headers=bearer(tokens.kimson))
    assert r.json() == {"items": []}  # Kim Sơn has no round yet
