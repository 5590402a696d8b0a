"""Org units: the token-scoped tree and the CSV import by upload (all or nothing, in scope)."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import select

from bot.services import Services
from storage.models import AuditLog, OrgUnit
from tests.api.conftest import Tokens, bearer, make_token


async def _get(
    client: httpx.AsyncClient, path: str, token: str, **params: object
) -> httpx.Response:
    return await client.get(path, params=params, headers=bearer(token))


async def _upload(
    client: httpx.AsyncClient, token: str, text: str, **params: str
) -> httpx.Response:
    files = {"file": ("units.csv", text.encode("utf-8"), "text/csv")}
    return await client.post(
        "/api/v1/units/import", files=files, params=params, headers=bearer(token)
    )


async def _codes(services: Services) -> set[str]:
    async with services.sessionmaker() as db:
        return set((await db.execute(select(OrgUnit.code))).scalars())


async def test_tree_starts_at_the_tokens_unit_and_lists_children(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    r = await _get(client, "/api/v1/units", tokens.giavien)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 1 and body["offset"] == 0
    [top] = body["items"]
    assert top == {
        "code": "37-GIAVIEN",
        "name": "Xã Gia Viễn",
        "level": "commune",
        "area": "rural",
        "parent_code": "37",
        "children": 3,
    }
    r = await _get(client, "/api/v1/units", tokens.giavien, parent="37-GIAVIEN", limit=2)
    body = r.json()
    assert body["total"] == 3 and body["limit"] == 2
    assert [u["code"] for u in body["items"]] == ["37-GIAVIEN-01", "37-GIAVIEN-02"]
    r = await _get(client, "/api/v1/units", tokens.giavien, parent="37-GIAVIEN", offset=2)
    assert [u["name"] for u in r.json()["items"]] == ["Thôn Trung"]
    r = await _get(client, "/api/v1/units", tokens.province, parent="37")
    assert [u["code"] for u in r.json()["items"]] == ["37-GIAVIEN", "37-HOALU", "37-KIMSON"]


async def test_tree_outside_the_scope_is_403_unknown_404_bad_paging_422(
    client: httpx.AsyncClient, tokens: Tokens
) -> None:
    for parent in ("37", "37-KIMSON"):
        r = await _get(client, "/api/v1/units", tokens.giavien, parent=parent)
        assert r.status_code == 403 and r.json() == {"error": "forbidden"}
    r = await _get(client, "/api/v1/units/37-KIMSON-01", tokens.giavien)
    assert r.status_code == 403 and r.json() == {"error": "forbidden"}
    r = await _get(client, "/api/v1/units/NOPE", tokens.giavien)
    assert r.status_code == 404 and r.json() == {"error": "not_found"}
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"offset": 2**31}):
        r = await _get(client, "/api/v1/units", tokens.giavien, **bad)
        assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    r = await client.get("/api/v1/units")
    assert r.status_code == 401


async def test_unit_detail(client: httpx.AsyncClient, tokens: Tokens) -> None:
    r = await _get(client, "/api/v1/units/37-HOALU-01", tokens.province)
    body = r.json()
    assert body["name"] == "Tổ dân phố 1" and body["area"] == "urban"
    assert body["parent_code"] == "37-HOALU" and body["parent_name"] == "Phường Hoa Lư"
    assert body["children"] == 0


async def test_units_csv(client: httpx.AsyncClient, tokens: Tokens) -> None:
    r = await _get(client, "/api/v1/exports/units.csv", tokens.giavien, parent="37-GIAVIEN")
    assert r.status_code == 200
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "Mã đơn vị",
        "Đơn vị",
        "Cấp",
        "Khu vực",
        "Mã đơn vị cấp trên",
        "Số đơn vị trực thuộc",
    ]
    # The level and the area in words (the JSON keeps "hamlet" and "rural").
    assert rows[1] == [
        "37-GIAVIEN-01", "Thôn Đông", "Thôn, tổ dân phố", "Nông thôn", "37-GIAVIEN", "0"
    ]  # fmt: skip
    assert len(rows) == 4
    r = await _get(client, "/api/v1/exports/units.csv", tokens.giavien, parent="37-KIMSON")
    assert r.status_code == 403


async def test_officer_imports_hamlets_under_its_commune_audited(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    text = (
        "code,name,level,parent_code,area\n"
        "37-GIAVIEN-04,Thôn Bắc,hamlet,37-GIAVIEN,\n"
        "37-GIAVIEN-01,Thôn Đông Mới,hamlet,37-GIAVIEN,\n"
    )
    r = await _upload(client, tokens.giavien, text)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 1, "updated": 1, "unchanged": 0}
    r = await _get(client, "/api/v1/units/37-GIAVIEN-04", tokens.giavien)
    assert r.json()["area"] == "rural"  # inherited from the commune
    async with services.sessionmaker() as db:
        stmt = select(AuditLog.action, AuditLog.actor).where(AuditLog.action.like("org_unit.%"))  # type: ignore[attr-defined]
        by_token = [(a, actor) for a, actor in (await db.execute(stmt)).all() if actor != "test"]
    assert sorted(a for a, _ in by_token) == ["org_unit.create", "org_unit.update"]
    assert {actor for _, actor in by_token} == {"api_token:1"}  # the Gia Viễn token


async def test_a_bad_row_imports_nothing_with_the_cli_line_errors(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    before = await _codes(services)
    text = (
        "code,name,level,parent_code,area\n"
        "37-GIAVIEN-05,Thôn Nam,hamlet,37-GIAVIEN,\n"
        "37-GIAVIEN-06,,hamlet,37-GIAVIEN,mountain\n"
    )
    r = await _upload(client, tokens.giavien, text)
    assert r.status_code == 422
    assert r.json() == {
        "error": "import_failed",
        "errors": [
            "Dòng 3: tên đơn vị bị trống",
            "Dòng 3: khu vực phải là rural (nông thôn) hoặc urban (thành thị), không phải «mountain»",
        ],
    }
    assert await _codes(services) == before
    r = await _upload(client, tokens.giavien, text, lang="en")
    assert r.json()["errors"][0] == "Line 3: the name is empty"


async def test_an_officer_cannot_import_outside_its_commune(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    before = await _codes(services)
    text = (
        "code,name,level,parent_code,area\n"
        "37-GIAVIEN-07,Thôn Mới,hamlet,37-GIAVIEN,\n"
        "37-KIMSON-03,Xóm Đoài,hamlet,37-KIMSON,\n"
        "37-KIMSON-01,Xóm Bắc,hamlet,37-GIAVIEN,\n"
        "37-GIAVIEN,Xã Gia Viễn,commune,37,rural\n"
        "99,Tỉnh Mới,province,,\n"
    )
    r = await _upload(client, tokens.giavien, text)
    assert r.status_code == 403
    assert r.json() == {
        "error": "forbidden",
        "errors": [
            "Dòng 3: đơn vị cấp trên 37-KIMSON nằm ngoài phạm vi của bạn",
            "Dòng 4: đơn vị 37-KIMSON-01 nằm ngoài phạm vi của bạn",
            "Dòng 5: đơn vị 37-GIAVIEN nằm ngoài phạm vi của bạn",
            "Dòng 6: chỉ token quản trị mới được thêm đơn vị cấp cao nhất",
        ],
    }
    assert await _codes(services) == before
    async with services.sessionmaker() as db:
        denied = (
            await db.execute(select(AuditLog).where(AuditLog.action == "scope.denied"))
        ).scalar_one()
    assert denied.entity == "org_unit:import" and denied.after["lines"] == [3, 4, 5, 6]


async def test_an_admin_of_a_top_level_unit_imports_anywhere(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    admin = await make_token(services, "admin", "37")
    text = "code,name,level,parent_code,area\n38,Tỉnh Thanh Hóa,province,,\n38-A,Xã A,commune,38,\n"
    r = await _upload(client, admin, text)
    assert r.status_code == 200
    assert r.json()["created"] == 2
    r = await _upload(
        client, tokens.province, "code,name,level,parent_code,area\n38-B,Xã B,commune,38,\n"
    )
    assert r.status_code == 403


async def test_a_file_postgresql_could_not_store_is_refused_not_crashed(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    before = await _codes(services)
    r = await _upload(
        client, tokens.giavien, "code,name,level,parent_code,area\nA\x00,B,hamlet,37-GIAVIEN,\n"
    )
    assert r.status_code == 422
    assert r.json() == {
        "error": "import_failed",
        "errors": ["Dòng 1: tệp không phải văn bản CSV UTF-8"],
    }
    long_code = "37-GIAVIEN-" + "9" * 30
    r = await _upload(
        client,
        tokens.giavien,
        f"code,name,level,parent_code,area\n{long_code},B,hamlet,37-GIAVIEN,\n",
    )
    assert r.status_code == 422
    assert r.json()["errors"] == ["Dòng 2: code dài quá 32 ký tự"]
    r = await _upload(
        client, tokens.giavien, "code,name,level,parent_code,area\nA,B\rC,hamlet,37-GIAVIEN,\n"
    )
    assert r.json() == {
        "error": "import_failed",
        "errors": ["Dòng 2: dòng này không đúng định dạng CSV"],
    }
    files = {"file": ("u.csv", b"\xff\xfe", "text/csv")}
    r = await client.post("/api/v1/units/import", files=files, headers=bearer(tokens.giavien))
    assert r.status_code == 422
    r = await client.post("/api/v1/units/import", headers=bearer(tokens.giavien))
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    assert await _codes(services) == before


async def test_openapi_documents_every_resource(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/v1/units",
        "/api/v1/units/{code}",
        "/api/v1/units/import",
        "/api/v1/people",
        "/api/v1/invites",
        "/api/v1/invites/{invite_id}/revoke",
        "/api/v1/households",
        "/api/v1/households/{household_id}",
        "/api/v1/submissions",
        "/api/v1/submissions/{submission}",
        "/api/v1/submissions/{submission}/decision",
        "/api/v1/periods",
        "/api/v1/periods/{code}",
        "/api/v1/reminders",
        "/api/v1/tokens",
        "/api/v1/tokens/{token_id}/revoke",
    ):
        assert path in paths, path
    for name in (
        "units",
        "people",
        "invites",
        "households",
        "submissions",
        "periods",
        "reminders",
        "tokens",
    ):
        assert f"/api/v1/exports/{name}.csv" in paths, name
    assert "/api/v1/units" in paths and "security" in paths["/api/v1/units"]["get"]


async def test_an_admin_of_a_commune_cannot_pull_another_communes_hamlet_under_it(
    client: httpx.AsyncClient, services: Services, tokens: Tokens
) -> None:
    admin = await make_token(services, "admin", "37-GIAVIEN")
    r = await _get(client, "/api/v1/units/37-KIMSON-01", admin)
    assert r.status_code == 403
    moved = "code,name,level,parent_code,area\n37-KIMSON-01,Xóm Bắc,hamlet,37-GIAVIEN,rural\n"
    r = await _upload(client, admin, moved)
    assert r.status_code == 403
    r = await _get(client, "/api/v1/units/37-KIMSON-01", admin)
    assert r.status_code == 403
    r = await _upload(client, admin, "code,name,level,parent_code,area\n39,Tỉnh Mới,province,,\n")
    assert r.status_code == 403
    below = "code,name,level,parent_code,area\n37-GIAVIEN-09,Thôn Mới,hamlet,37-GIAVIEN,\n"
    r = await _upload(client, admin, below)
    assert r.status_code == 200 and r.json()["created"] == 1
