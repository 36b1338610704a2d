"""The link editor's steps (L2): form posts ↔ the JSON shape of ``LinkSchema``.

Each step turns what the browser posted into a *state* (the raw strings, so a form with
errors shows back exactly what was typed), may apply a button's action to it (add an
interval, copy a day, move a question up: no JavaScript needed), and turns it into the
host API's JSON for :class:`server.links.schemas.LinkSchema`, which does the validating.
Only conversion errors (a word where minutes go) are found here; every rule of a link lives
in the schema and the link services, once.

Pure functions over plain data: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Protocol

from server.bookings.forms import IDENTITY_KEYS
from server.dashboard.forms import Errors
from server.links.hours import WEEKDAYS
from server.slugs import slugify

__all__ = [
    "CONTACT_PROPERTIES",
    "DURATION_PRESETS",
    "LOCALES",
    "QUESTION_TYPES",
    "STEPS",
    "TIME_UNITS",
    "FormData",
    "availability_payload",
    "availability_state",
    "availability_state_from_form",
    "apply_availability_action",
    "apply_questions_action",
    "configuration_payload",
    "configuration_state",
    "configuration_state_from_form",
    "consent_fields_posted",
    "consent_payload",
    "consent_state",
    "consent_state_from_form",
    "details_payload",
    "details_state",
    "details_state_from_form",
    "questions_payload",
    "questions_state",
    "questions_state_from_form",
    "split_minutes",
]

#: (slug, title) of the editor's steps, in order: L2's four, then GDPR (L9)
STEPS = (
    ("details", "Details"),
    ("configuration", "Configuration"),
    ("availability", "Availability"),
    ("questions", "Form questions"),
    ("gdpr", "Privacy & consent"),
)
DURATION_PRESETS = (15, 30, 45, 60, 90, 120)
TIME_UNITS = {"minutes": 1, "hours": 60, "days": 24 * 60}
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
#: date-and-number formats offered in the editor (L4); any valid locale tag is accepted
LOCALES = (
    ("en-US", "English (United States)"),
    ("en-GB", "English (United Kingdom)"),
    ("en-CA", "English (Canada)"),
    ("en-AU", "English (Australia)"),
    ("fr-FR", "Français (France)"),
    ("fr-CA", "Français (Canada)"),
    ("fr-BE", "Français (Belgique)"),
    ("fr-CH", "Français (Suisse)"),
    ("de-DE", "Deutsch (Deutschland)"),
    ("de-AT", "Deutsch (Österreich)"),
    ("de-CH", "Deutsch (Schweiz)"),
    ("es-ES", "Español (España)"),
    ("es-MX", "Español (México)"),
    ("it-IT", "Italiano (Italia)"),
    ("nl-NL", "Nederlands (Nederland)"),
    ("pt-BR", "Português (Brasil)"),
)
LANGUAGE_NAMES = (("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("es", "Español"))
#: contact properties a form can ask for (L8): key → (label, question type)
CONTACT_PROPERTIES = {
    "phone": ("Phone number", "phone"),
    "company": ("Company", "text"),
    "job_title": ("Job title", "text"),
    "website": ("Website", "text"),
    "city": ("City", "text"),
    "country": ("Country", "text"),
    "industry": ("Industry", "text"),
    "company_size": ("Company size", "number"),
}
#: custom question types (L8)
QUESTION_TYPES = (
    ("text", "Short text"),
    ("long_text", "Long text"),
    ("select", "Dropdown"),
    ("checkbox", "Checkbox"),
    ("number", "Number"),
)
#: identity questions that must stay, and stay required (the booking API needs them)
LOCKED_REQUIRED = ("first_name", "email")

State = dict[str, Any]


class FormData(Protocol):
    """What the editor reads from a post: werkzeug's ``MultiDict`` has exactly this."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...

    def keys(self) -> Any: ...


def _text(form: FormData, key: str) -> str:
    value = form.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _checked(form: FormData, key: str) -> bool:
    return form.get(key) in ("on", "1", "true", "yes")


def _int(raw: str, field: str, errors: Errors, *, label: str = "a whole number") -> int | None:
    """``"45"`` → 45; anything else records a message for ``field`` and gives ``None``."""
    if not re.fullmatch(r"-?\d{1,7}", raw):
        errors.setdefault(field, []).append(f"Enter {label}.")
        return None
    return int(raw)


def split_minutes(minutes: int) -> tuple[int, str]:
    """4320 → (3, "days"); 90 → (90, "minutes"): the largest unit that divides evenly."""
    for unit in ("days", "hours"):
        size = TIME_UNITS[unit]
        if minutes and minutes % size == 0:
            return minutes // size, unit
    return minutes, "minutes"


def _indices(form: FormData, pattern: str) -> list[int]:
    """The row numbers present in a post, e.g. ``q-(\\d+)-key`` → [0, 1, 2]."""
    found = {int(m.group(1)) for key in form.keys() if (m := re.fullmatch(pattern, key))}
    return sorted(i for i in found if i < 200)


# -- Details (L3, L10) ---------------------------------------------------------------------


def details_state(view: Mapping[str, Any]) -> State:
    durations = list(view.get("durations") or [30])
    return {
        "name": view.get("name", ""),
        "title": view.get("title", ""),
        "slug": view.get("slug", ""),
        "meeting_type": view.get("meeting_type") or "",
        "durations": [str(d) for d in durations if d in DURATION_PRESETS],
        "durations_other": ", ".join(str(d) for d in durations if d not in DURATION_PRESETS),
        "type": view.get("type", "one_on_one"),
        "host_ids": [int(h) for h in view.get("host_ids") or []],
        "photo_url": view.get("photo_url"),
    }


def details_state_from_form(form: FormData) -> State:
    host_ids = [int(h) for h in form.getlist("host_ids") if str(h).isdigit()]
    return {
        "name": _text(form, "name"),
        "title": _text(form, "title"),
        "slug": _text(form, "slug").lower(),
        "meeting_type": _text(form, "meeting_type"),
        "durations": [d for d in form.getlist("durations") if isinstance(d, str)],
        "durations_other": _text(form, "durations_other"),
        "type": _text(form, "type") or "one_on_one",
        "host_ids": host_ids,
        "remove_photo": _checked(form, "remove_photo"),
    }


def details_payload(state: State, *, creating: bool) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    durations: list[int] = []
    for raw in [*state["durations"], *re.split(r"[,\s]+", state["durations_other"])]:
        if raw:
            value = _int(raw, "durations", errors, label="durations in minutes, e.g. 20, 40")
            if value is not None and value not in durations:
                durations.append(value)
    if not durations and "durations" not in errors:
        errors["durations"] = ["Choose at least one duration."]
    if not state["name"]:
        errors["name"] = ["Give the link a name."]
    payload: dict[str, Any] = {
        "name": state["name"],
        "title": state["title"] or state["name"],
        "meeting_type": state["meeting_type"] or None,
        "durations": sorted(durations),
        "type": state["type"],
    }
    if state["host_ids"]:
        payload["host_ids"] = state["host_ids"]
    elif state["type"] != "one_on_one" or not creating:
        errors["host_ids"] = ["Choose at least one host."]
    if creating and state["slug"]:
        payload["slug"] = state["slug"]
    if state.get("remove_photo"):
        payload["photo_url"] = None
    return payload, errors


# -- Configuration (L4, L5) ----------------------------------------------------------------


def configuration_state(view: Mapping[str, Any]) -> State:
    reminders = view.get("reminders") or {}
    offsets = list(reminders.get("offsets_minutes") or [])
    rows = [split_minutes(m) for m in offsets[:3]]
    rows += [(None, "hours")] * (3 - len(rows))
    return {
        "location": view.get("location") or "",
        "video_link": view.get("video_link") or "",
        "subject": view.get("subject") or "",
        "description": view.get("description") or "",
        "language": view.get("language", "en"),
        "locale": view.get("locale", "en-US"),
        "reminders_enabled": bool(reminders.get("enabled", True)),
        "reminders": [{"amount": "" if a is None else str(a), "unit": u} for a, u in rows],
        "include_description": bool(reminders.get("include_description")),
    }


def configuration_state_from_form(form: FormData) -> State:
    return {
        "location": _text(form, "location"),
        "video_link": _text(form, "video_link"),
        "subject": _text(form, "subject"),
        "description": form.get("description", "").strip(),
        "language": _text(form, "language"),
        "locale": _text(form, "locale"),
        "reminders_enabled": _checked(form, "reminders_enabled"),
        "reminders": [
            {
                "amount": _text(form, f"reminder-{i}-amount"),
                "unit": _text(form, f"reminder-{i}-unit"),
            }
            for i in range(3)
        ],
        "include_description": _checked(form, "include_description"),
    }


def configuration_payload(state: State) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    offsets: list[int] = []
    for row in state["reminders"]:
        if not row["amount"]:
            continue
        amount = _int(row["amount"], "reminders.offsets_minutes", errors)
        unit = TIME_UNITS.get(row["unit"])
        if unit is None:
            errors.setdefault("reminders.offsets_minutes", []).append("Choose a unit.")
        elif amount is not None:
            offsets.append(amount * unit)
    payload = {
        "location": state["location"] or None,
        "video_link": state["video_link"] or None,
        "subject": state["subject"] or None,
        "description": state["description"] or None,
        "language": state["language"],
        "locale": state["locale"],
        "reminders": {
            "enabled": state["reminders_enabled"],
            "offsets_minutes": offsets,
            "include_description": state["include_description"],
        },
    }
    return payload, errors


# -- Availability (L6, L7) -----------------------------------------------------------------


def availability_state(view: Mapping[str, Any]) -> State:
    weekly = view.get("availability") or {}
    window = view.get("window") or {"rolling_weeks": 4}
    notice = split_minutes(int(view.get("minimum_notice_minutes") or 0))
    overrides = []
    for override in view.get("date_overrides") or []:
        day = str(override["date"])
        hours = override.get("hours") or []
        if not hours:
            overrides.append({"date": day, "start": "", "end": ""})
        overrides.extend({"date": day, "start": s, "end": e} for s, e in hours)
    return {
        "timezone": view.get("timezone", ""),
        "hours": {d: [{"start": s, "end": e} for s, e in weekly.get(d, [])] for d in WEEKDAYS},
        "overrides": overrides,
        "notice_amount": str(notice[0]),
        "notice_unit": notice[1],
        "buffer_before": str(view.get("buffer_before_minutes") or 0),
        "buffer_after": str(view.get("buffer_after_minutes") or 0),
        "increment": str(view.get("slot_interval_minutes") or ""),
        "window_kind": "rolling" if window.get("rolling_weeks") is not None else "range",
        "rolling_weeks": str(window.get("rolling_weeks") or 4),
        "start_date": str(window.get("start_date") or ""),
        "end_date": str(window.get("end_date") or ""),
    }


def availability_state_from_form(form: FormData) -> State:
    hours = {}
    for day in WEEKDAYS:
        hours[day] = [
            {
                "start": _text(form, f"hours-{day}-{i}-start"),
                "end": _text(form, f"hours-{day}-{i}-end"),
            }
            for i in _indices(form, rf"hours-{day}-(\d+)-start")
        ]
    overrides = [
        {
            "date": _text(form, f"override-{i}-date"),
            "start": _text(form, f"override-{i}-start"),
            "end": _text(form, f"override-{i}-end"),
        }
        for i in _indices(form, r"override-(\d+)-date")
    ]
    return {
        "timezone": _text(form, "timezone"),
        "hours": hours,
        "overrides": overrides,
        "notice_amount": _text(form, "notice_amount") or "0",
        "notice_unit": _text(form, "notice_unit"),
        "buffer_before": _text(form, "buffer_before") or "0",
        "buffer_after": _text(form, "buffer_after") or "0",
        "increment": _text(form, "increment"),
        "window_kind": _text(form, "window_kind") or "rolling",
        "rolling_weeks": _text(form, "rolling_weeks"),
        "start_date": _text(form, "start_date"),
        "end_date": _text(form, "end_date"),
        "copy_targets": {d: form.getlist(f"copy-{d}") for d in WEEKDAYS},
    }


def apply_availability_action(state: State, action: str) -> State:
    """``add-hours:mon``, ``remove-hours:mon:1``, ``copy-hours:mon`` (to the days ticked),
    ``add-override``, ``remove-override:0``. Unknown actions change nothing."""
    kind, _, rest = action.partition(":")
    hours = state["hours"]
    if kind == "add-hours" and rest in hours:
        hours[rest].append({"start": "", "end": ""})
    elif kind == "remove-hours":
        day, _, index = rest.partition(":")
        if day in hours and index.isdigit() and int(index) < len(hours[day]):
            del hours[day][int(index)]
    elif kind == "copy-hours" and rest in hours:
        source = [dict(row) for row in hours[rest] if row["start"] or row["end"]]
        for target in state.get("copy_targets", {}).get(rest, []):
            if target in hours and target != rest:
                hours[target] = [dict(row) for row in source]
    elif kind == "add-override":
        state["overrides"].append({"date": "", "start": "", "end": ""})
    elif kind == "remove-override" and rest.isdigit() and int(rest) < len(state["overrides"]):
        del state["overrides"][int(rest)]
    return state


def availability_payload(state: State) -> tuple[dict[str, Any], Errors]:
    errors: Errors = {}
    weekly: dict[str, list[list[str]]] = {}
    for day, rows in state["hours"].items():
        pairs = []
        for row in rows:
            if not row["start"] and not row["end"]:
                continue
            if not row["start"] or not row["end"]:
                errors.setdefault(f"availability.{day}", []).append("Give a start and an end.")
                continue
            pairs.append([row["start"], row["end"]])
        if pairs:
            weekly[day] = pairs
    by_date: dict[str, list[list[str]]] = {}
    for row in state["overrides"]:
        if not (row["date"] or row["start"] or row["end"]):
            continue
        if not row["date"]:
            errors.setdefault("date_overrides", []).append("Give the date of each override.")
            continue
        pairs = by_date.setdefault(row["date"], [])
        if row["start"] or row["end"]:
            if not row["start"] or not row["end"]:
                errors.setdefault("date_overrides", []).append(
                    f"{row['date']}: give a start and an end, or neither for a day off."
                )
                continue
            pairs.append([row["start"], row["end"]])
    notice = _int(state["notice_amount"], "minimum_notice_minutes", errors)
    unit = TIME_UNITS.get(state["notice_unit"], 0)
    if not unit:
        errors.setdefault("minimum_notice_minutes", []).append("Choose a unit.")
    payload: dict[str, Any] = {
        "timezone": state["timezone"],
        "availability": weekly,
        "date_overrides": [{"date": d, "hours": h} for d, h in sorted(by_date.items())],
        "minimum_notice_minutes": (notice or 0) * unit,
        "buffer_before_minutes": _int(state["buffer_before"], "buffer_before_minutes", errors),
        "buffer_after_minutes": _int(state["buffer_after"], "buffer_after_minutes", errors),
        "slot_interval_minutes": (
            _int(state["increment"], "slot_interval_minutes", errors)
            if state["increment"]
            else None
        ),
    }
    if state["window_kind"] == "range":
        payload["window"] = {
            "start_date": state["start_date"] or None,
            "end_date": state["end_date"] or None,
        }
    else:
        payload["window"] = {"rolling_weeks": _int(state["rolling_weeks"], "window", errors)}
    return payload, errors


# -- Form questions (L8) -------------------------------------------------------------------


def questions_state(view: Mapping[str, Any]) -> State:
    return {
        "questions": [
            {
                "key": q["key"],
                "label": q.get("label", ""),
                "type": q.get("type", "text"),
                "required": bool(q.get("required")),
                "options": "\n".join(q.get("options") or []),
                "property": q.get("property") or "",
            }
            for q in view.get("form") or []
        ],
        "new_property": "",
        "new_label": "",
        "new_type": "text",
        "new_options": "",
    }


def questions_state_from_form(form: FormData) -> State:
    questions = []
    for i in _indices(form, r"q-(\d+)-key"):
        key = _text(form, f"q-{i}-key")
        questions.append(
            {
                "key": key,
                "label": _text(form, f"q-{i}-label"),
                "type": _text(form, f"q-{i}-type") or "text",
                "required": key in LOCKED_REQUIRED or _checked(form, f"q-{i}-required"),
                "options": form.get(f"q-{i}-options", "").strip(),
                "property": _text(form, f"q-{i}-property"),
            }
        )
    return {
        "questions": questions,
        "new_property": _text(form, "new_property"),
        "new_label": _text(form, "new_label"),
        "new_type": _text(form, "new_type") or "text",
        "new_options": form.get("new_options", "").strip(),
    }


def _free_key(wanted: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_]", "_", slugify(wanted, fallback="question")).strip("_")[:34]
    if not base or not base[0].isalpha():
        base = f"q_{base}"[:34]
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}_{n}"
    return key


def apply_questions_action(state: State, action: str) -> tuple[State, Errors]:
    """``up:2``, ``down:0``, ``remove:3``, ``add-property``, ``add-question``."""
    questions: list[dict[str, Any]] = state["questions"]
    errors: Errors = {}
    kind, _, rest = action.partition(":")
    index = int(rest) if rest.isdigit() and int(rest) < len(questions) else None
    if kind == "up" and index:
        questions[index - 1], questions[index] = questions[index], questions[index - 1]
    elif kind == "down" and index is not None and index + 1 < len(questions):
        questions[index + 1], questions[index] = questions[index], questions[index + 1]
    elif kind == "remove" and index is not None:
        if questions[index]["key"] in IDENTITY_KEYS:
            errors["form"] = ["First name, last name and email stay on the form."]
        else:
            del questions[index]
    elif kind == "add-property":
        key = state["new_property"]
        if key not in CONTACT_PROPERTIES:
            errors["new_property"] = ["Choose a contact property."]
        elif any(q["key"] == key for q in questions):
            errors["new_property"] = ["This property is already on the form."]
        else:
            label, kind_of = CONTACT_PROPERTIES[key]
            questions.append(
                {
                    "key": key,
                    "label": label,
                    "type": kind_of,
                    "required": False,
                    "options": "",
                    "property": key,
                }
            )
            state["new_property"] = ""
    elif kind == "add-question":
        if not state["new_label"]:
            errors["new_label"] = ["Write the question."]
        elif state["new_type"] not in dict(QUESTION_TYPES):
            errors["new_type"] = ["Choose a type."]
        elif state["new_type"] == "select" and not state["new_options"]:
            errors["new_options"] = ["A dropdown needs options, one per line."]
        else:
            questions.append(
                {
                    "key": _free_key(state["new_label"], {q["key"] for q in questions}),
                    "label": state["new_label"],
                    "type": state["new_type"],
                    "required": False,
                    "options": state["new_options"] if state["new_type"] == "select" else "",
                    "property": "",
                }
            )
            state.update(new_label="", new_type="text", new_options="")
    return state, errors


def questions_payload(state: State) -> tuple[dict[str, Any], Errors]:
    form = []
    for q in state["questions"]:
        question: dict[str, Any] = {
            "key": q["key"],
            "label": q["label"],
            "type": q["type"],
            "required": q["required"],
        }
        if q["type"] == "select":
            question["options"] = [o.strip() for o in q["options"].splitlines() if o.strip()]
        if q["property"]:
            question["property"] = q["property"]
        form.append(question)
    return {"form": form}, {}


# -- GDPR (L9) -----------------------------------------------------------------------------


def consent_state(consent: Mapping[str, Any], *, customized: bool) -> State:
    return {
        "customized": customized,
        "enabled": bool(consent.get("enabled")),
        "mode": consent.get("mode") or "consent",
        "legal_basis": consent.get("legal_basis") or "",
        "subscription_types": "\n".join(
            t["label"] for t in consent.get("subscription_types") or []
        ),
        "processing_text": consent.get("processing_text") or "",
        "privacy_text": consent.get("privacy_text") or "",
        "type_ids": {t["label"]: t["id"] for t in consent.get("subscription_types") or []},
    }


def consent_fields_posted(form: FormData) -> bool:
    """False when the browser left the settings out: a disabled fieldset sends none of them."""
    return any(key in form.keys() for key in ("mode", "privacy_text", "processing_text"))


def consent_state_from_form(form: FormData, previous: Mapping[str, Any]) -> State:
    """``previous`` keeps the ids of subscription types whose label didn't change."""
    return {
        "customized": _checked(form, "customized"),
        "enabled": _checked(form, "enabled"),
        "mode": _text(form, "mode") or "consent",
        "legal_basis": _text(form, "legal_basis"),
        "subscription_types": form.get("subscription_types", "").strip(),
        "processing_text": form.get("processing_text", "").strip(),
        "privacy_text": form.get("privacy_text", "").strip(),
        "type_ids": {t["label"]: t["id"] for t in previous.get("subscription_types") or []},
    }


def consent_payload(state: State) -> tuple[dict[str, Any], Errors]:
    """The ``consent`` object of ``LinkSchema`` (also the account defaults' shape)."""
    types = []
    taken: set[str] = set()
    for line in state["subscription_types"].splitlines():
        label = line.strip()
        if not label or label in {t["label"] for t in types}:
            continue
        type_id = state["type_ids"].get(label) or slugify(label, fallback="type")[:64]
        while type_id in taken:
            type_id = f"{type_id[:60]}-{len(taken)}"
        taken.add(type_id)
        types.append({"id": type_id, "label": label})
    consent: dict[str, Any] = {
        "enabled": state["enabled"],
        "mode": state["mode"],
        "subscription_types": types,
        "processing_text": state["processing_text"],
        "privacy_text": state["privacy_text"],
    }
    if state["mode"] == "legitimate_interest":
        consent["legal_basis"] = state["legal_basis"] or "prospect"
    return consent, {}
