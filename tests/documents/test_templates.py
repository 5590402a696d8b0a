"""The DOCX templates: the shipped ones are what the builder script makes; a province's own
replace them by name; a broken one is refused at load naming the file and the reason; filled
values are escaped, never read as Word XML."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from docx import Document

from bot.cli import main
from documents.build_templates import BUILDERS, build
from documents.templating import FIELDS, KINDS, SHIPPED, TemplateRefused, Templates


def word(path: Path, *paragraphs: str) -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    doc.save(path)
    return path


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_the_shipped_template_is_what_the_script_builds(kind: str) -> None:
    """Edit documents/build_templates.py and run it: the committed files must follow."""
    assert build(kind) == (SHIPPED / f"{kind}.docx").read_bytes(), (
        f"documents/templates/{kind}.docx is stale: run `python -m documents.build_templates`"
    )


def test_the_shipped_templates_load_and_use_only_known_fields() -> None:
    templates = Templates.load()
    assert sorted(templates.paths) == sorted(KINDS) == sorted(FIELDS)
    assert all(p.parent == SHIPPED for p in templates.paths.values())


def test_a_province_template_replaces_the_shipped_one(tmp_path: Path) -> None:
    word(tmp_path / "posting.docx", "TỈNH NINH BÌNH — {{ commune_name|upper }}", "{{ scope }}")
    templates = Templates.load(tmp_path)
    assert templates.paths["posting"] == tmp_path / "posting.docx"
    assert templates.paths["decision"] == SHIPPED / "decision.docx"
    out = Document(io.BytesIO(templates.render("posting", {"commune_name": "Xã A", "scope": "B"})))
    assert [p.text for p in out.paragraphs] == ["TỈNH NINH BÌNH — XÃ A", "B"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "not a Word document (.docx)"),
        ("{{ commune_name ", "a field or tag does not parse"),
        ("{% for r in rows %}{{ r.no }}", "a field or tag does not parse"),
        ("{{ chairman_name }}", "unknown field(s) chairman_name"),
    ],
)
def test_a_broken_template_is_refused_with_the_file_and_the_reason(
    tmp_path: Path, content: str | None, reason: str
) -> None:
    path = tmp_path / "minutes.docx"
    if content is None:
        path.write_text("saved as plain text by mistake", encoding="utf-8")
    else:
        word(path, content)
    with pytest.raises(TemplateRefused) as refused:
        Templates.load(tmp_path)
    assert refused.value.path == path
    assert reason in refused.value.reason
    assert str(path) in str(refused.value)


def test_a_missing_templates_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateRefused, match="does not exist"):
        Templates.load(tmp_path / "nowhere")


def test_values_are_escaped(tmp_path: Path) -> None:
    """A name typed in chat with <, & or quotes prints as typed and keeps the file valid."""
    word(tmp_path / "posting.docx", "{{ scope }}")
    templates = Templates.load(tmp_path)
    name = 'Nguyễn <b>Văn</b> & "An"</w:t><w:t>'
    out = Document(io.BytesIO(templates.render("posting", {"scope": name})))
    assert out.paragraphs[0].text == name


def test_cli_checks_a_directory_and_copies_the_shipped_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["templates", "--copy-to", str(tmp_path / "own")])
    assert done.value.code == 0
    assert sorted(p.name for p in (tmp_path / "own").iterdir()) == sorted(
        f"{k}.docx" for k in KINDS
    )
    with pytest.raises(SystemExit) as done:
        main(["templates", "--dir", str(tmp_path / "own")])
    assert done.value.code == 0
    assert "own" in capsys.readouterr().out
    shutil.copy(tmp_path / "own" / "decision.docx", tmp_path / "own" / "certificate.docx")
    with pytest.raises(SystemExit) as done:
        main(["templates", "--dir", str(tmp_path / "own")])
    assert done.value.code == 2  # the decision's fields are not the certificate's
    assert "certificate.docx" in capsys.readouterr().err
