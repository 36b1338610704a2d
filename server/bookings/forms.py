"""A link's form questions (L8) and GDPR block (L9) applied to what a visitor sent.

Pure functions: they return the cleaned answers or raise ``ValidationFailed`` naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from server.errors import ValidationFailed

__all__ = [
    "IDENTITY_KEYS",
    "LEGAL_BASES",
    "clean_answers",
    "consent_record",
    "consent_time",
    "contact_properties",
]

IDENTITY_KEYS = ("first_name", "last_name", "email")
#: a legitimate-interest record's legal basis, as the host reads it (L9)
LEGAL_BASES = {"prospect": "prospect / lead", "customer": "existing customer"}
MAX_ANSWER_LENGTH = 5000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_answers(
    form: list[dict[str, Any]], answers: Mapping[str, Any], last_name: str
) -> dict[str, Any]:
    """Keep the answers to this form's questions, each checked against its question's type."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    questions = {q["key"]: q for q in form}
    for key in answers:
        if key not in questions and key not in IDENTITY_KEYS:
            errors[f"answers.{key[:40]}"] = ["This form has no such question."]
    for key, question in questions.items():
        if key in IDENTITY_KEYS:
            if key == "last_name" and question.get("required") and not last_name.strip():
                errors["last_name"] = ["This field is required."]
            continue
        value = answers.get(key)
        empty = value is None or value == "" or value is False
        if empty:
            if question.get("required"):
                errors[f"answers.{key}"] = ["This field is required."]
            continue
        try:
            cleaned[key] = _check(question, value)
        except ValueError as exc:
            errors[f"answers.{key}"] = [str(exc)]
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _check(question: Mapping[str, Any], value: Any) -> Any:
    kind = question.get("type", "text")
    if kind == "checkbox":
        if not isinstance(value, bool):
            raise ValueError("Expected true or false.")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("Expected a number.")
        if abs(value) > 1e15:
            raise ValueError("This number is too large.")
        return value
    if not isinstance(value, str):
        raise ValueError("Expected text.")
    value = value.strip()
    limit = MAX_ANSWER_LENGTH if kind == "long_text" else 500
    if len(value) > limit:
        raise ValueError(f"At most {limit} characters.")
    if kind == "select" and value not in question.get("options", []):
        raise ValueError("Pick one of the offered options.")
    if kind == "email" and not _EMAIL.match(value):
        raise ValueError("Not a valid email address.")
    return value


def contact_properties(form: list[dict[str, Any]], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers of questions tied to a contact property update that property (L8)."""
    return {
        q["property"]: answers[q["key"]] for q in form if q.get("property") and q["key"] in answers
    }


def consent_record(
    consent_config: Mapping[str, Any], given: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """What was consented, to which text, when (L9). Refuses a missing processing consent."""
    if not consent_config.get("enabled"):
        return {}
    mode = consent_config.get("mode", "consent")
    record: dict[str, Any] = {
        "mode": mode,
        "at": now.isoformat(),
        "privacy_text": consent_config.get("privacy_text", ""),
    }
    types = [t["id"] for t in consent_config.get("subscription_types", [])]
    if mode == "legitimate_interest":
        record["legal_basis"] = consent_config.get("legal_basis")
        record["subscriptions"] = {t: True for t in types}
        return record
    if given.get("processing") is not True:
        raise ValidationFailed(
            {"consent.processing": ["Please agree to the processing of your data to book."]}
        )
    subscriptions = given.get("subscriptions") or {}
    if not isinstance(subscriptions, Mapping):
        raise ValidationFailed({"consent.subscriptions": ["Expected an object of true/false."]})
    record["processing"] = True
    record["processing_text"] = consent_config.get("processing_text", "")
    record["subscriptions"] = {t: subscriptions.get(t) is True for t in types}
    return record


def consent_time(record: Mapping[str, Any]) -> datetime | None:
    """When a consent record was made; None when it says no readable time."""
    try:
        return datetime.fromisoformat(record.get("at") or "")
    except ValueError:
        return None
