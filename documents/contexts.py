"""What each template is filled with: plain dicts of text, built from what storage.documents
reads. Pure; the documents are in Vietnamese whatever the reader's language, so the texts that
are the app's (labels, notes, dates) come from the catalog in Vietnamese (`t`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from conversations.flows.assess import CLASS_LABELS, KIND_LABELS
from domain import procedure as proc
from domain.aggregates import rate
from domain.decision_lists import (
    LIST_EXITED,
    LIST_EXITED_NEAR,
    LIST_NEAR_POOR,
    LIST_POOR,
    LISTS,
    State,
    changes,
    full_lists,
)
from domain.documents import (
    BLANK,
    blank_date_line,
    date_line,
    day_phrase,
    in_sentence,
    place_name,
)
from domain.i18n import N_, Translator
from domain.standards import Standard
from storage.documents import Entry, MeetingSheet, Place, RoundSheet
from storage.models import OrgUnit
from storage.models_procedure import ReviewRound
from storage.models_register import Household

ROUND_LABELS = {
    "periodic": N_("the annual review of {year}"),
    "regular": N_("the monthly review of {month}/{year}"),
}
LIST_NAMES = {
    LIST_POOR: N_("Poor households"),
    LIST_NEAR_POOR: N_("Near-poor households"),
    LIST_EXITED: N_("Households that exited poverty"),
    LIST_EXITED_NEAR: N_("Households that exited near-poverty"),
}
LIST_TITLES = {
    LIST_POOR: N_("LIST OF POOR HOUSEHOLDS {when}"),
    LIST_NEAR_POOR: N_("LIST OF NEAR-POOR HOUSEHOLDS {when}"),
    LIST_EXITED: N_("LIST OF HOUSEHOLDS THAT EXITED POVERTY {when}"),
    LIST_EXITED_NEAR: N_("LIST OF HOUSEHOLDS THAT EXITED NEAR-POVERTY {when}"),
}
KLASS_SHORT = {"poor": "N", "near_poor": "CN"}  # Mẫu 03's marks
# Number and symbol left for the office's register: a decision, a certificate (Mẫu 03).
DECISION_BLANK, CERTIFICATE_BLANK = "…/QĐ-UBND", "…/GCN-HN.HCN"
ETHNIC_MARK = "x"
HEAD = N_("Head of household")
PASSED, FAILED = N_("Passed"), N_("Not passed")
LEFT_FOR = N_("to {status}")
# The annual review's posting also lists the households that stay on a list (QĐ 24/2021 Điều 4
# khoản 1 reviews every household the commune's lists hold): what the decision will recognise.
STAYS_POOR = N_("Remains a poor household")
STAYS_NEAR_POOR = N_("Remains a near-poor household")
LEFT_REGISTER = N_("left the register")
REVIEW_REQUEST = N_("Request to be reviewed")


@dataclass(frozen=True)
class Issuer:
    """The commune whose documents these are, as its documents name it."""

    name: str  # "Xã Gia Viễn" (upper-cased by the templates where NĐ 30 wants capitals)
    in_text: str  # "xã Gia Viễn"
    place: str  # "Gia Viễn"
    province: str | None

    @classmethod
    def of(cls, where: Place) -> Issuer:
        c = where.commune
        province = where.province.name if where.province else None
        return cls(c.name, in_sentence(c.name), place_name(c.name), province)

    def fields(self) -> dict[str, str]:
        return {"commune_name": self.name, "commune": self.in_text}


def dated(t: Translator, issuer: Issuer, day: date | None, year: int) -> str:
    return date_line(t, issuer.place, day) if day else blank_date_line(t, issuer.place, year)


def round_label(t: Translator, rnd: ReviewRound) -> str:
    year, _, month = rnd.code.partition("-")
    return t(ROUND_LABELS[rnd.kind], year=year, month=month)


def lists_year(rnd: ReviewRound) -> int:
    return proc.spec_for(rnd.kind, rnd.code).lists_year


def year_phrase(t: Translator, rnd: ReviewRound) -> str:
    if full_lists(rnd.kind):
        return t("of the year {year}", year=lists_year(rnd))
    year, _, month = rnd.code.partition("-")
    return t("of month {month} of {year}", month=month, year=year)


def content(t: Translator, e: Entry) -> str:
    """What the hamlet meeting and the posting list say of a change: its kind, and the class it
    leads to when the kind alone does not say."""
    label = t(KIND_LABELS.get(e.submission.kind, REVIEW_REQUEST))
    if e.submission.kind in ("newly_poor", "newly_near_poor", "fell_back", "moved_in"):
        return label
    if not e.after.active:
        return label
    if e.after.status != e.before.status and e.after.status in CLASS_LABELS:
        return f"{label} ({t(LEFT_FOR, status=t(CLASS_LABELS[e.after.status]))})"
    return label


def _head(e: Entry) -> str:
    if e.household is not None:
        return e.household.head_name
    answers = e.submission.answers or {}
    return str(answers.get("head_name") or answers.get("name") or BLANK)


def _votes(t: Translator, e: Entry) -> tuple[str, str, str]:
    v = e.vote
    if v is None:
        return BLANK, BLANK, BLANK
    share = rate(v.votes_for, v.present)
    return (
        f"{v.votes_for}/{v.present}",
        t.decimal(share, 1) if share is not None else BLANK,
        t(PASSED if v.passed else FAILED),
    )


def minutes_context(
    t: Translator, sheet: MeetingSheet, rnd: ReviewRound | None, rules: proc.Procedure
) -> dict[str, Any]:
    """Biên bản họp bình xét: QĐ 24/2021 Điều 4 khoản 3."""
    m, issuer = sheet.meeting, Issuer.of(sheet.place)
    rows = []
    for n, e in enumerate(sheet.entries, start=1):
        votes, share, result = _votes(t, e)
        rows.append(
            {
                "no": n,
                "head": _head(e),
                "code": e.household.code if e.household else "",
                "content": content(t, e),
                "votes": votes,
                "share": share,
                "result": result,
            }
        )
    passed = sum(1 for e in sheet.entries if e.vote is not None and e.vote.passed)
    return {
        **issuer.fields(),
        "hamlet_name": sheet.hamlet.name,
        "hamlet": in_sentence(sheet.hamlet.name),
        "date_line": date_line(t, issuer.place, m.held_on),
        "round_label": round_label(t, rnd) if rnd else "",
        "held_on": day_phrase(t, m.held_on),
        "place": m.place or t("the hamlet's meeting hall"),
        "chair": sheet.chair.name if sheet.chair else BLANK,
        "secretary": m.secretary or BLANK,
        "present": m.present,
        "rule": t(
            "the agreement of at least {share} of those present",
            share=f"{t.decimal(float(rules.meeting_share * 100), 0)}%",
        ),
        "article": rules.meeting_article,
        "needed": proc.votes_needed(m.present, rules),
        "rows": rows,
        "passed": passed,
        "failed": len(sheet.entries) - passed,
    }


def posting_groups(
    t: Translator,
    entries: Sequence[Entry],
    hamlet_id: int | None,
    staying: Sequence[tuple[Household, OrgUnit, State]] = (),
) -> list[dict[str, Any]]:
    """The posted households by hamlet (one hamlet's when `hamlet_id`), numbered throughout:
    the changes, then the households `staying` on a list."""
    groups: dict[int, dict[str, Any]] = {}
    for e in entries:
        if hamlet_id is not None and e.hamlet.id != hamlet_id:
            continue
        votes, _, result = _votes(t, e)
        group = groups.setdefault(e.hamlet.id, {"title": e.hamlet.name, "rows": []})  # type: ignore[arg-type]
        group["rows"].append(
            {
                "no": 0,
                "head": _head(e),
                "code": e.household.code if e.household else "",
                "members": e.household.members if e.household else "",
                "ethnic": ETHNIC_MARK if e.household and e.household.ethnic_minority else "",
                "content": content(t, e),
                "meeting": f"{votes} ({result})" if e.vote else BLANK,
                "note": "",
            }
        )
    changed = {e.household.id for e in entries if e.household is not None}
    for h, hamlet, state in staying:
        if h.id in changed or (hamlet_id is not None and hamlet.id != hamlet_id):
            continue
        group = groups.setdefault(hamlet.id, {"title": hamlet.name, "rows": []})  # type: ignore[arg-type]
        group["rows"].append(
            {
                "no": 0,
                "head": h.head_name,
                "code": h.code,
                "members": h.members,
                "ethnic": ETHNIC_MARK if h.ethnic_minority else "",
                "content": t(STAYS_POOR if state.member("poor") else STAYS_NEAR_POOR),
                "meeting": BLANK,
                "note": "",
            }
        )
    rows = [r for g in groups.values() for r in g["rows"]]
    for n, row in enumerate(rows, start=1):
        row["no"] = n
    return list(groups.values())


def posting_context(
    t: Translator, sheet: RoundSheet, hamlet: OrgUnit | None, day: date
) -> dict[str, Any]:
    """Danh sách niêm yết công khai: QĐ 24/2021 Điều 4 khoản 4."""
    rnd, issuer = sheet.round, Issuer.of(sheet.place)
    staying = sheet.register if full_lists(rnd.kind) else ()
    groups = posting_groups(t, sheet.entries, hamlet.id if hamlet else None, staying)
    rows = [r for g in groups for r in g["rows"]]
    posted = rnd.posting_starts_on
    return {
        **issuer.fields(),
        "date_line": dated(t, issuer, posted or None, day.year),
        "round_label": capitalised(round_label(t, rnd)),
        # After the round's name, in running text: "Đợt … – xã Gia Viễn", "… – thôn Đông".
        "scope": in_sentence(hamlet.name) if hamlet else issuer.in_text,
        "posting_from": t.date(posted) if posted else BLANK,
        "posting_to": t.date(rnd.posting_ends_on) if rnd.posting_ends_on else BLANK,
        "working_days": proc.procedure().posting_days,
        "groups": groups,
        "total": len(rows),
        "total_members": sum(int(r["members"] or 0) for r in rows),
        "prepared_by": "",
        "signer": rnd.decision_signer or "",
    }


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _exit_note(t: Translator, after: State) -> str:
    if not after.active:
        return t(LEFT_REGISTER)
    return t(LEFT_FOR, status=t(CLASS_LABELS.get(after.status, CLASS_LABELS["unknown"])))


def decision_lists(
    t: Translator, sheet: RoundSheet
) -> dict[str, list[tuple[Household, OrgUnit, str]]]:
    """Each list's households with a note: the annual review's whole poor and near-poor lists
    (a change noted beside the household), else the households the round changed."""
    out: dict[str, list[tuple[Household, OrgUnit, str]]] = {k: [] for k in LISTS}
    changed = {e.household.id: e for e in sheet.entries if e.household is not None}
    for e in sheet.entries:
        if e.household is None:
            continue
        for name in changes(e.before, e.after):
            if name in (LIST_EXITED, LIST_EXITED_NEAR):
                out[name].append((e.household, e.hamlet, _exit_note(t, e.after)))
            elif not full_lists(sheet.round.kind):
                out[name].append((e.household, e.hamlet, t(KIND_LABELS.get(e.submission.kind, ""))))
    if full_lists(sheet.round.kind):
        for h, hamlet, state in sheet.register:
            name = LIST_POOR if state.member("poor") else LIST_NEAR_POOR
            e = changed.get(h.id)
            note = (
                t(KIND_LABELS[e.submission.kind])
                if e and name in changes(e.before, e.after)
                else ""
            )
            out[name].append((h, hamlet, note))
    return out


def decision_context(
    t: Translator, sheet: RoundSheet, standard: Standard, day: date
) -> dict[str, Any]:
    """Mẫu số 02 of QĐ 24/2021 with its annex lists."""
    rnd, issuer = sheet.round, Issuer.of(sheet.place)
    lists = decision_lists(t, sheet)
    when = year_phrase(t, rnd)
    counts, annexes = [], []
    for name in LISTS:
        households = lists[name]
        members = sum(h.members for h, _, _ in households)
        ethnic = sum(1 for h, _, _ in households if h.ethnic_minority)
        counts.append(
            {"name": t(LIST_NAMES[name]), "households": len(households), "members": members,
             "ethnic": ethnic}
        )  # fmt: skip
        if households:
            rows = [
                {
                    "no": n,
                    "head": h.head_name,
                    "code": h.code,
                    "hamlet": hamlet.name,
                    "members": h.members,
                    "ethnic": ETHNIC_MARK if h.ethnic_minority else "",
                    "note": note,
                }
                for n, (h, hamlet, note) in enumerate(households, start=1)
            ]
            title = t(LIST_TITLES[name], when=when).upper()
            annexes.append(
                {"title": title, "rows": rows, "households": len(rows), "members": members}
            )
    decided = rnd.decision_date
    effective = (
        t("from {day}", day=day_phrase(t, date(lists_year(rnd), 1, 1)))
        if full_lists(rnd.kind)
        else t("from the day it is signed")
    )
    return {
        **issuer.fields(),
        "number": rnd.decision_number or DECISION_BLANK,
        "date_line": dated(t, issuer, decided, (decided or day).year),
        "date_short": t.date(decided) if decided else BLANK,
        "year_phrase": when,
        "round_label": round_label(t, rnd),
        "standard_basis": standard_basis(standard),
        "posting_from": t.date(rnd.posting_starts_on) if rnd.posting_starts_on else BLANK,
        "posting_to": t.date(rnd.posting_ends_on) if rnd.posting_ends_on else BLANK,
        "counts": counts,
        "annexes": annexes,
        "effective_phrase": effective,
        "signer": rnd.decision_signer or "",
    }


def standard_basis(standard: Standard) -> str:
    """The standard's legal basis up to its first clause, with the "số" a citation puts before
    the number: "Nghị định số 351/2025/NĐ-CP ngày 30/12/2025"."""
    basis = standard.legal_basis.split(",")[0].strip()
    return re.sub(r"^(Nghị định|Quyết định) (?!số )", r"\g<1> số ", basis)
