"""The incident and breach forms: what a person typed, read into the services' input shapes.

Every form of the breach page has a prefix (`cnil-`, `decision-`…) so that two forms on one
page never share a field id; a refusal blamed on `sent_at` comes back as `cnil-sent_at`,
beside the field it is about. Date-times are typed as Paris wall time (datetime-local).
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from starlette.datastructures import FormData

from api.web.forms import FormErrors, chosen, lines, text
from breach.breaches.schemas import (
    AssessmentIn,
    AwarenessIn,
    BreachFactsIn,
    CloseIn,
    DecisionIn,
    NotificationIn,
    NotificationRefIn,
)
from breach.enums import NotificationPhase, NotificationRecipient
from breach.incidents.schemas import IncidentFactsIn, IncidentIn
from breach.messages.schemas import ControllerNoticeIn
from core.clock import to_local
from core.errors import FieldProblem, ValidationFailed
from core.validation import validate_shape
from register.schemas_common import patch_model

PARIS = ZoneInfo("Europe/Paris")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
ADJUSTMENT_ROWS = 3
BAD_MOMENT = "date et heure invalides : choisissez le jour et l'heure (jj/mm/aaaa hh:mm)"
NOTHING_TOUCHED = "indiquez les traitements ou les conventions touchés"
BAD_VERSION = "version de la page illisible : rechargez la page puis recommencez"

M = TypeVar("M", bound=BaseModel)
BreachFactsPatch = patch_model(BreachFactsIn)
IncidentPatch = patch_model(IncidentFactsIn)
MISSING = "champ obligatoire manquant"


def local_value(moment: datetime | None) -> str:
    """The value of a datetime-local input for an aware moment, in Paris time."""
    return to_local(moment).astimezone(PARIS).strftime(LOCAL_FORMAT) if moment else ""


class Values:
    """The values a form shows: what was typed (after a refusal) or the defaults."""

    def __init__(self, data: Mapping[str, Any] | None = None, multi: FormData | None = None):
        self._data = dict(data or {})
        self._form = multi

    @classmethod
    def of(cls, form: FormData) -> "Values":
        return cls({k: form.get(k) for k in form}, form)

    def get(self, name: str, default: Any = "") -> Any:
        value = self._data.get(name)
        return default if value is None else value

    def list(self, name: str) -> list[str]:
        if self._form is not None:
            return [str(v) for v in self._form.getlist(name)]
        value = self._data.get(name) or []
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]

    def has(self, name: str) -> bool:
        return bool(self._data.get(name))


def prefixed(errors: FormErrors, prefix: str) -> FormErrors:
    return FormErrors(
        by_field={f"{prefix}{name}": msg for name, msg in errors.by_field.items()},
        general=list(errors.general),
    )


class Reader:
    """Reads one form's fields (under its prefix), noting the values it cannot parse."""

    def __init__(self, form: FormData, prefix: str = ""):
        self.form = form
        self.prefix = prefix
        self.problems: list[FieldProblem] = []

    def _name(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def text(self, name: str) -> str | None:
        return text(self.form, self._name(name))

    def raw(self, name: str) -> str:
        return str(self.form.get(self._name(name)) or "")

    def lines(self, name: str) -> list[str]:
        return lines(self.form, self._name(name))

    def chosen(self, name: str) -> list[str]:
        return chosen(self.form, self._name(name))

    def checked(self, name: str) -> bool:
        return self.form.get(self._name(name)) in ("on", "true", "1", "oui")

    def moment(self, name: str, *, done_by: datetime | None = None) -> str | None:
        """A datetime-local value as an aware ISO instant (Paris wall time), None when empty.

        A minute typed for something already done (`done_by`: the moment the form was read)
        is its last instant not after `done_by`: a notification recorded at 14:53 for an
        awareness at 14:53:20 is not "before" it, and a minute is never in the future."""
        value = self.text(name)
        if value is None:
            return None
        try:
            wall = datetime.fromisoformat(value)
        except ValueError:
            self.problems.append(FieldProblem(("body", name), BAD_MOMENT))
            return None
        if wall.tzinfo is None:
            wall = wall.replace(tzinfo=PARIS)
        if done_by is not None and wall.second == 0 and wall.microsecond == 0:
            wall = min(wall + timedelta(minutes=1) - timedelta(microseconds=1), done_by)
        return wall.isoformat()

    def version(self) -> int | str | None:
        """The version the page was read at: one hidden field, never prefixed."""
        value = text(self.form, "version")
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            self.problems.append(FieldProblem(("body", "version"), BAD_VERSION))
            return None

    def validate(self, shape: type[M], data: dict[str, Any], *, patch: bool = False) -> M:
        """The shape, or every problem at once (what could not be read, then the shape's).
        A field left empty is absent ("champ obligatoire manquant" when it is required),
        except in a patch, where empty means "clear it"."""
        if not patch:
            data = {name: value for name, value in data.items() if value is not None}
        try:
            result = validate_shape(shape, data)
        except ValidationFailed as exc:
            raise ValidationFailed(self.problems + exc.problems) from None
        if self.problems:
            raise ValidationFailed(self.problems)
        return result


# The incident -------------------------------------------------------------------------------


def incident_in(form: FormData) -> IncidentIn:
    r = Reader(form)
    started = r.moment("started_at")
    data = {
        "organisation_id": r.text("organisation_id"),
        "title": r.text("title"),
        "description": r.text("description"),
        "detected_at": r.moment("detected_at"),
        "started_at": started,
        "start_is_estimate": started is not None,
        "ongoing": r.checked("ongoing"),
        "nature": r.chosen("nature"),
        "origin": r.text("origin"),
        "cause": r.text("cause"),
        "activity_ids": r.chosen("activity_ids"),
        "convention_ids": r.chosen("convention_ids"),
    }
    if not data["activity_ids"] and not data["convention_ids"]:
        # Said at once with the other refusals (the shape says it only when the rest is valid).
        r.problems.append(FieldProblem(("body", "activity_ids"), NOTHING_TOUCHED))
    return r.validate(IncidentIn, data)


def incident_facts_patch(form: FormData) -> tuple[int, dict[str, Any]]:
    """The incident's facts as corrected: the whole form (the service keeps what changed)."""
    r = Reader(form)
    data = {
        "version": r.version(),
        "title": r.text("title"),
        "description": r.text("description"),
        "system": r.text("system"),
        "detected_at": r.moment("detected_at"),
        "started_at": r.moment("started_at"),
        "start_is_estimate": r.checked("start_is_estimate"),
        "ongoing": r.checked("ongoing"),
        "ended_at": r.moment("ended_at"),
        "nature": r.chosen("nature"),
        "origin": r.text("origin"),
        "cause": r.text("cause"),
    }
    for name in ("title", "description", "detected_at"):
        if data[name] is None and not any(p.loc[-1] == name for p in r.problems):
            r.problems.append(FieldProblem(("body", name), MISSING))
    body = r.validate(IncidentPatch, data, patch=True)
    patch = body.model_dump(mode="json", exclude_unset=True)
    return patch.pop("version"), patch


# The breach ---------------------------------------------------------------------------------


def _count(r: Reader, name: str) -> str | None:
    value = r.text(name)
    return value.replace(" ", "").replace("\u202f", "").replace("\xa0", "") if value else None


def facts_patch(form: FormData, prefix: str) -> tuple[int, dict[str, Any]]:
    r = Reader(form, prefix)
    data = {
        "version": r.version(),
        "data_categories": r.chosen("data_categories"),
        "subject_categories": r.chosen("subject_categories"),
        "approx_subjects": _count(r, "approx_subjects"),
        "subjects_is_estimate": r.checked("subjects_is_estimate"),
        "approx_records": _count(r, "approx_records"),
        "consequences": r.chosen("consequences"),
        "consequences_detail": r.text("consequences_detail"),
        "measures_taken": r.text("measures_taken"),
        "measures_planned": r.text("measures_planned"),
    }
    body = r.validate(BreachFactsPatch, data, patch=True)
    patch = body.model_dump(mode="json", exclude_unset=True)
    return patch.pop("version"), patch


def notice_in(form: FormData, prefix: str) -> ControllerNoticeIn:
    r = Reader(form, prefix)
    to_addrs = r.lines("to_addrs")
    return r.validate(
        ControllerNoticeIn,
        {
            "version": r.version(),
            "late_reason": r.text("late_reason"),
            "summary": r.text("summary"),
            "to_addrs": to_addrs or None,
        },
    )


def awareness_in(form: FormData, prefix: str) -> AwarenessIn:
    r = Reader(form, prefix)
    return r.validate(
        AwarenessIn,
        {
            "version": r.version(),
            "aware_at": r.moment("aware_at"),
            "rationale": r.text("rationale"),
        },
    )


def assessment_in(form: FormData, prefix: str) -> AssessmentIn:
    r = Reader(form, prefix)
    adjustments = []
    for row in range(ADJUSTMENT_ROWS):
        delta, why = r.text(f"adjustments-{row}-delta"), r.text(f"adjustments-{row}-justification")
        if delta or why:
            adjustments.append({"delta": delta, "justification": why})
    data = {
        "version": r.version(),
        "context": r.text("context"),
        "identification": r.text("identification"),
        "confidentiality": r.text("confidentiality") or "none",
        "integrity": r.text("integrity") or "none",
        "availability": r.text("availability") or "none",
        "malicious": r.checked("malicious"),
        "adjustments": adjustments,
    }
    return r.validate(AssessmentIn, data)


def decision_in(form: FormData, prefix: str) -> DecisionIn:
    r = Reader(form, prefix)
    notify = r.text("notify_cnil")
    return r.validate(
        DecisionIn,
        {
            "version": r.version(),
            "risk_level": r.text("risk_level"),
            "notify_cnil": {"oui": True, "non": False}.get(notify or ""),
            "inform_people": r.text("inform_people"),
            "art34_exemption": r.text("art34_exemption"),
            "reasons": r.text("reasons"),
            "on_behalf_of": r.text("on_behalf_of"),
        },
    )


def cnil_notification_in(form: FormData, prefix: str, *, now: datetime) -> NotificationIn:
    r = Reader(form, prefix)
    return r.validate(
        NotificationIn,
        {
            "version": r.version(),
            "recipient": NotificationRecipient.CNIL.value,
            "phase": r.text("phase") or NotificationPhase.INITIAL.value,
            "sent_at": r.moment("sent_at", done_by=now),
            "channel": r.text("channel") or "teleservice",
            "external_ref": r.text("external_ref"),
            "late_reason": r.text("late_reason"),
            "summary": r.text("summary"),
        },
    )


def people_notification_in(form: FormData, prefix: str, *, now: datetime) -> NotificationIn:
    r = Reader(form, prefix)
    addresses = r.lines("addresses")
    return r.validate(
        NotificationIn,
        {
            "version": r.version(),
            "recipient": NotificationRecipient.DATA_SUBJECTS.value,
            "phase": NotificationPhase.INITIAL.value,
            "sent_at": r.moment("sent_at", done_by=now),
            "channel": r.text("channel") or "email",
            "summary": r.text("summary"),
            "addresses": addresses or None,
        },
    )


def reference_in(form: FormData, prefix: str) -> NotificationRefIn:
    r = Reader(form, prefix)
    return r.validate(
        NotificationRefIn,
        {
            "version": r.version(),
            "external_ref": r.text("external_ref"),
        },
    )


def close_in(form: FormData, prefix: str) -> CloseIn:
    r = Reader(form, prefix)
    return r.validate(CloseIn, {"version": r.version(), "reasons": r.text("reasons")})


def uuid_or_none(value: str | None) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None
