"""`chungtay templates`: check a province's document templates before putting them in use, or
write out the shipped ones to start editing from."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from documents.templating import SHIPPED, TemplateRefused, Templates

ENV = "CHUNGTAY_TEMPLATES_DIR"


def refusal(directory: str | None) -> str | None:
    """Why the templates cannot be used (the file and the reason), or None: `run` and `serve`
    refuse to start on a broken template rather than fail when an officer asks for it."""
    try:
        Templates.load(Path(directory) if directory else None)
    except TemplateRefused as exc:
        return f"template refused: {exc}"
    return None


def _run(args: argparse.Namespace) -> int:
    if args.copy_to is not None:
        args.copy_to.mkdir(parents=True, exist_ok=True)
        for kind_file in sorted(SHIPPED.glob("*.docx")):
            target = args.copy_to / kind_file.name
            if target.exists():
                print(f"{target}: exists, left as it is")
                continue
            shutil.copy(kind_file, target)
            print(target)
        return 0
    directory = args.dir if args.dir is not None else os.environ.get(ENV) or None
    try:
        templates = Templates.load(Path(directory) if directory else None)
    except TemplateRefused as exc:
        print(f"refused: {exc.path}: {exc.reason}", file=sys.stderr)
        return 2
    for kind, path in templates.paths.items():
        origin = "shipped" if path.parent == SHIPPED else "own"
        print(f"{kind:12} {origin:8} {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "templates", help="check the document templates (or copy the shipped ones to edit)"
    )
    parser.add_argument(
        "--dir",
        metavar="DIR",
        help=f"templates directory to check (default {ENV}, else the shipped templates)",
    )
    parser.add_argument(
        "--copy-to", type=Path, metavar="DIR", help="copy the shipped templates into DIR"
    )
    parser.set_defaults(func=_run)
