"""Security probes against the API: crafted ids and crafted bodies get a 4xx, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Tokens, bearer

# "³" passes str.isdigit() but int() refuses it; "٢" (Arabic-Indic two) int() reads as 2.
NOT_ASCII = ["%C2%B3", "%D9%A2"]


@pytest.mark.parametrize("key", NOT_ASCII)
async def test_a_submission_id_in_other_digits_is_not_found(
    client: httpx.AsyncClient, fixture_data: Tokens, key: str
) -> None:
    auth = bearer(fixture_data.province)
    assert (await client.get("/api/v1/submissions/2", headers=auth)).status_code == 200
    r = await client.get(f"/api/v1/submissions/{key}", headers=auth)
    assert (r.status_code, r.json()) == (404, {"error": "not_found"})
    decision = {"decision": "approve"}
    r = await client.post(f"/api/v1/submissions/{key}/decision", headers=auth, json=decision)
    assert (r.status_code, r.json()) == (404, {"error": "not_found"})
