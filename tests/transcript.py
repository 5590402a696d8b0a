"""Golden transcripts: whole conversations as readable text, replayed through the simulator API.

# comment
@invite NAME ROLE UNIT_CODE "Person name" [expired]   set-up: an invite; {NAME} is its code
@round UNIT STANDARD                                  set-up: the commune's current round uses STANDARD
@household VAR HAMLET "Head name" MEMBERS [STATUS]    set-up: a household; {VAR} is its code
@assessed VAR STANDARD CODE… [cause:CAUSE…]           set-up: its approved assessment and causes
! chat ID            talk as another chat (default: chat-1)
! zalo               this chat speaks as Zalo: no buttons, choices are "1. Label" lines in the
                     text (check them with <), answered by typing the number or the label
! meeting REF 7/10   the hamlet meeting votes on REF: 7 of 10 present in favour
! wait 73h           move the clock (h or m)
! document TITLE     the last reply carries a file whose title contains TITLE, and it downloads
! restart            stop the app and start a new one on the same database
! resend             send the previous update again (same update id)
! capture NAME RE    remember what RE matches in the last reply (group 1 if any) as {NAME}
> text               the user types text
> [Label]            the user presses the button with that label on the last reply
> nfd: text          the user types text in decomposed (NFD) Unicode
> repeat: 5000 a     the user sends "a" 5,000 times
> (sticker)          the user sends a sticker (a photo or a voice note alike): nothing to read
< fragment           the bot's reply (all its messages) contains this text, in order
[A] [B]              the last reply message offers exactly these buttons
< -                  the bot sends nothing
{NAME}               in >, < and [ lines: a value set up (@invite, @household) or captured
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIRECTORY = Path(__file__).resolve().parent / "transcripts"


@dataclass
class Line:
    number: int
    kind: str  # "@", "!", ">", "<", "["
    body: str


@dataclass
class Transcript:
    path: Path
    lines: list[Line] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Transcript:
        t = cls(path)
        for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            kind = line[0]
            if kind not in "@!><[":
                raise ValueError(f"{path.name}:{n}: cannot read {line!r}")
            body = line if kind == "[" else line[1:].strip()
            t.lines.append(Line(n, kind, body))
        return t


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def labels(line: str) -> list[str]:
    return [nfc(m) for m in re.findall(r"\[([^\]]+)\]", line)]


def parse_invite(body: str) -> tuple[str, str, str, str | None, bool]:
    parts = shlex.split(body)
    if parts[0] != "invite":
        raise ValueError(f"unknown set-up line: @{body}")
    parts = parts[1:]
    name, role, unit = parts[0], parts[1], parts[2]
    person = parts[3] if len(parts) > 3 else None
    return name, role, unit, person, "expired" in parts[4:]


def expand(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: variables.get(m.group(1), m.group(0)), text)


def describe(replies: list[dict[str, Any]]) -> str:
    out = []
    for r in replies:
        out.append(r["text"])
        if r["choices"]:
            out.append(" ".join(f"[{c['label']}]" for c in r["choices"]))
    return "\n".join(out) or "(nothing)"
