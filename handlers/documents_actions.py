"""Documents in chat: what an action returns to attach one (the round's are in
handlers/round_actions.py, /dotrasoat).

An action returns the document as JSON under "document" in its result ({"kind", "format",
"ids", "title"}); the flow's next message step shows it (`Step(attach=document_of(key))`), and
the channel sends the file (Telegram) or a signed link (Zalo, the simulator) when the message
goes out. The action checks who may have the document; the file is made at sending.

For the hamlet meeting's flow (the hamlet head gets the minutes right after closing the
meeting): its close action adds `"document": minutes_document(meeting.id, locale=ctx.locale)`
to its result, and the step that confirms the closing takes `attach=document_of("<key>")`.
"""

from __future__ import annotations

from typing import Any

from conversations.model import Attachment
from domain.i18n import N_, Translator

TITLES = {
    ("minutes", "docx"): N_("Minutes of the hamlet meeting"),
    ("posting", "docx"): N_("Public posting list"),
    ("posting", "xlsx"): N_("Public posting list (spreadsheet)"),
    ("decision", "docx"): N_("Draft decision of the commune"),
    ("certificate", "docx"): N_("Certificates of the poor and near-poor households"),
}
FINAL_DECISION = N_("Decision No. {number}")
# What the officer may ask for from /dotrasoat (document, format).
ROUND_DOCUMENTS = (("decision", "docx"), ("posting", "docx"), ("posting", "xlsx"))


def document(kind: str, fmt: str, title: str, **ids: int) -> dict[str, Any]:
    """The JSON of an attachment, for an action's result."""
    return Attachment(kind, fmt, tuple(sorted(ids.items())), title).to_json()


def minutes_document(meeting_id: int, *, locale: str) -> dict[str, Any]:
    """The hamlet meeting's minutes (biên bản họp bình xét), to attach when it is closed."""
    title = Translator(locale)(TITLES[("minutes", "docx")])
    return document("minutes", "docx", title, meeting=meeting_id)


def decision_document(round_id: int, number: str, *, locale: str) -> dict[str, Any]:
    """The commune's decision as recorded (its number, date and signer filled in)."""
    title = Translator(locale)(FINAL_DECISION, number=number)
    return document("decision", "docx", title, round=round_id)
