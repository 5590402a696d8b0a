"""A made document: its file name, media type and bytes."""

from __future__ import annotations

from dataclasses import dataclass

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {"docx": DOCX, "xlsx": XLSX}


@dataclass(frozen=True)
class File:
    name: str  # with its extension; may hold any letters (Vietnamese)
    media_type: str
    content: bytes
