"""A document link that was not signed here is a 410 like any expired or altered one, whatever
characters it holds: the download needs no token, so anyone can send it anything."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize(
    "token",
    [
        "abc.%C3%A9",  # "abc.é": a non-ASCII signature
        "abc.%E2%80%AE%F0%9F%98%80",  # U+202E and an emoji
    ],
)
async def test_a_link_with_non_ascii_characters_has_expired(
    client: httpx.AsyncClient, token: str
) -> None:
    r = await client.get(f"/api/v1/documents/download/{token}")
    assert (r.status_code, r.json()) == (410, {"error": "link_expired"})
