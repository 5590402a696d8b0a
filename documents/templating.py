"""The DOCX templates: the shipped ones, or a province's copies from an override directory
(CHUNGTAY_TEMPLATES_DIR), checked when loaded.

A template is refused at load, naming the file and the reason, when it is not a Word document,
when its Jinja does not parse, or when it uses a field ChungTay does not fill for that document
(a typo would otherwise print as a gap, or fail only when an officer asks for the document).
Rendering runs Jinja sandboxed, with every value XML-escaped and an unknown name an error.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined
from jinja2 import TemplateError as JinjaError
from jinja2.sandbox import SandboxedEnvironment

SHIPPED = Path(__file__).resolve().parent / "templates"

# The fields each document's context provides (documents/contexts.py); a template may use any.
COMMUNE_FIELDS = frozenset({"commune_name", "commune", "date_line"})
FIELDS: dict[str, frozenset[str]] = {
    "minutes": COMMUNE_FIELDS
    | {
        "hamlet_name",
        "hamlet",
        "round_label",
        "held_on",
        "place",
        "chair",
        "secretary",
        "present",
        "rule",
        "article",
        "needed",
        "rows",
        "passed",
        "failed",
    },
    "posting": COMMUNE_FIELDS
    | {
        "round_label",
        "scope",
        "posting_from",
        "posting_to",
        "working_days",
        "groups",
        "total",
        "total_members",
        "prepared_by",
        "signer",
    },
    "decision": COMMUNE_FIELDS
    | {
        "number",
        "date_short",
        "year_phrase",
        "round_label",
        "standard_basis",
        "posting_from",
        "posting_to",
        "counts",
        "annexes",
        "effective_phrase",
        "signer",
    },
    "certificate": COMMUNE_FIELDS | {"standard_basis", "signer", "certificates"},
}
KINDS = tuple(FIELDS)


class TemplateRefused(ValueError):
    """A template that cannot be used: which file, and why."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def _env() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def check(kind: str, path: Path) -> bytes:
    """The template's bytes once it is known to be usable for `kind`; TemplateRefused if not."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise TemplateRefused(path, f"cannot be read ({exc.strerror or exc})") from None
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise TemplateRefused(path, "not a Word document (.docx); save it as .docx") from None
    try:
        used = _fields_used(content)
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, ValueError):
        raise TemplateRefused(path, "not a Word document (.docx); save it as .docx") from None
    except JinjaError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (near line {line} of the document's XML)" if line else ""
        raise TemplateRefused(
            path, f"a field or tag does not parse: {exc.message}{where}"
        ) from None
    unknown = sorted(set(used) - FIELDS[kind])
    if unknown:
        known = ", ".join(sorted(FIELDS[kind]))
        raise TemplateRefused(
            path, f"unknown field(s) {', '.join(unknown)}; this document's fields: {known}"
        )
    return content


@lru_cache(maxsize=16)
def _fields_used(content: bytes) -> frozenset[str]:
    """The fields a template uses. Parsing a document takes a tenth of a second, and every
    Services built (each test builds its own) loads every template: a content seen before is
    not parsed again. A content that does not parse raises every time (no result to keep)."""
    return frozenset(DocxTemplate(io.BytesIO(content)).get_undeclared_template_variables(_env()))


@dataclass(frozen=True)
class Templates:
    """Every document's template, checked; `override` files replace shipped ones by name."""

    content: Mapping[str, bytes]
    paths: Mapping[str, Path]

    @classmethod
    def load(cls, override: Path | None = None) -> Templates:
        if override is not None and not override.is_dir():
            raise TemplateRefused(override, "the templates directory does not exist")
        paths = {}
        for kind in KINDS:
            own = override / f"{kind}.docx" if override else None
            paths[kind] = own if own is not None and own.exists() else SHIPPED / f"{kind}.docx"
        return cls({kind: check(kind, path) for kind, path in paths.items()}, paths)

    def render(self, kind: str, context: Mapping[str, Any]) -> bytes:
        document = DocxTemplate(io.BytesIO(self.content[kind]))
        env = _env()
        document.render(dict(context), env, autoescape=True)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
