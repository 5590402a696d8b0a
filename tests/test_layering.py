"""The engine and the rules stay pure: no channel, web or database library, no outer layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "conversations": {
        "sqlalchemy",
        "sqlmodel",
        "fastapi",
        "aiogram",
        "httpx",
        "aiohttp",
        "storage",
        "bot",
        "api",
        "handlers",
    },
    "domain": {
        "sqlalchemy",
        "sqlmodel",
        "fastapi",
        "aiogram",
        "httpx",
        "aiohttp",
        "storage",
        "bot",
        "api",
        "handlers",
        "conversations",
    },
}


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_pure_packages_import_nothing_impure(package: str) -> None:
    bad = {
        str(p.relative_to(ROOT)): sorted(imported(p) & FORBIDDEN[package])
        for p in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in bad.items() if v} == {}
