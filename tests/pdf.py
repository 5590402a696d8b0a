"""Documents as a person sees them: converted to PDF by LibreOffice headless, read back with
poppler's pdftotext and pdfinfo. Without LibreOffice the tests that need it skip, saying why;
`.ci/run` installs it and sets CHUNGTAY_TEST_REQUIRE_LIBREOFFICE=1, so there they must run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REQUIRED = os.environ.get("CHUNGTAY_TEST_REQUIRE_LIBREOFFICE") == "1"
# A directory to keep the PDFs in, to look at them (docs/documents.md's pictures come from it).
KEEP = os.environ.get("CHUNGTAY_TEST_KEEP_PDF")
A4 = (595.0, 842.0)  # points, portrait
TIMEOUT = 180  # seconds for one conversion batch (two cores shared with other work)


def tools() -> str | None:
    """Why the PDF checks cannot run here, or None when they can."""
    missing = [t for t in ("soffice", "pdftotext", "pdfinfo") if shutil.which(t) is None]
    if not missing:
        return None
    return (
        f"{', '.join(missing)} not installed (Debian: libreoffice-writer-nogui "
        "libreoffice-calc-nogui poppler-utils)"
    )


def need_tools() -> None:
    reason = tools()
    if reason is None:
        return
    if REQUIRED:
        pytest.fail(f"CHUNGTAY_TEST_REQUIRE_LIBREOFFICE=1 but {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class Pdf:
    path: Path  # gone after the conversion unless it was kept (`keep`)
    pages: list[str]  # each page's text, laid out
    sizes: list[tuple[float, float]]  # each page's width and height in points
    raw: str  # the text in the order it is drawn: a table cell's lines stay together

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    def flat(self) -> str:
        """The text in drawing order, runs of spaces and line breaks as one space (words wrap
        in table cells)."""
        return re.sub(r"\s+", " ", self.raw)


def _info(path: Path, pages: int) -> list[tuple[float, float]]:
    out = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", str(pages), str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [(float(w), float(h)) for w, h in re.findall(r"size:\s+([\d.]+) x ([\d.]+) pts", out)]


def _pages(path: Path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", out).group(1))  # type: ignore[union-attr]


def to_pdf(files: dict[str, bytes]) -> dict[str, Pdf]:
    """Every file (name with its extension -> bytes) converted in one LibreOffice run."""
    need_tools()
    keep = Path(KEEP) if KEEP else None
    assert len({Path(n).stem for n in files}) == len(files), "each PDF is named by its stem"
    work = Path(tempfile.mkdtemp(prefix="chungtay-pdf-"))
    try:
        for name, content in files.items():
            (work / name).write_bytes(content)
        # A profile of its own: parallel runs must not share LibreOffice's lock.
        profile = (work / "profile").as_uri()
        subprocess.run(
            ["soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(work / "pdf"),
             *(str(work / n) for n in files)],
            capture_output=True,
            check=True,
            timeout=TIMEOUT,
        )  # fmt: skip
        out = {}
        for name in files:
            pdf = work / "pdf" / (Path(name).stem + ".pdf")
            assert pdf.exists(), f"LibreOffice made no PDF of {name}"
            n = _pages(pdf)
            pages = [
                subprocess.run(
                    ["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                for i in range(1, n + 1)
            ]
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(pdf, keep / pdf.name)
            raw = subprocess.run(
                ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
            ).stdout
            out[name] = Pdf(keep / pdf.name if keep else pdf, pages, _info(pdf, n), raw)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def a4(pdf: Pdf, *, landscape: bool = False) -> bool:
    """Every page is A4, in the orientation asked for."""
    want = (A4[1], A4[0]) if landscape else A4
    return bool(pdf.sizes) and all(
        abs(w - want[0]) < 2 and abs(h - want[1]) < 2 for w, h in pdf.sizes
    )


def placeholders(pdf: Pdf) -> list[str]:
    """Template fields or tags left unfilled."""
    return re.findall(r"\{\{|\}\}|\{%|%\}", pdf.text)
