"""The incident and breach forms: what a person typed, read into the services' input shapes.

Every form of the breach page has a prefix (`cnil-`, `decision-`…) so that two forms on one
page never share a field id; a refusal blamed on `sent_at` comes back as `cnil-sent_at`,
beside the field it is about. Date-times are typed as Paris wall time (datetime-local); the
Reader of api.web.forms reads them.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from starlette.datastructures import FormData

from api.web.forms import Reader
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
from core.errors import FieldProblem
from register.schemas_common import patch_model

ADJUSTMENT_ROWS = 3
AUTHORITY_ROWS = 3  # other authorities told (breach.cnil_facts)
YES_NO = {"oui": True, "non": False}  # a radio left on « non renseigné » is None
NOTHING_TOUCHED = "indiquez les traitements ou les conventions touchés"

BreachFactsPatch = patch_model(BreachFactsIn)
IncidentPatch = patch_model(IncidentFactsIn)
MISSING = "champ obligatoire manquant"


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


COUNTS = ("approx_subjects", "approx_records")


def declared_counts(form: FormData) -> dict[str, Any]:
    """The numbers a declaration may already give (the notice's art. 33(3)(a) facts, completed
    on every breach of the incident: breach.incident_facts); empty when none is given."""
    r = Reader(form)
    data: dict[str, Any] = {name: _count(r, name) for name in COUNTS}
    if not any(data.values()):
        return {}
    data["subjects_is_estimate"] = r.checked("subjects_is_estimate")
    facts = r.validate(BreachFactsIn, data)
    given = {name for name, value in data.items() if value is not None}
    return facts.model_dump(mode="json", include=given)


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
    if later_reasons := r.text("detection_later_reasons"):  # a detection moved later
        data["detection_later_reasons"] = later_reasons
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
        "other_authorities": _authorities(r),
        "cross_border": YES_NO.get(r.text("cross_border") or ""),
        "other_member_states": r.chosen("other_member_states"),
    }
    body = r.validate(BreachFactsPatch, data, patch=True)
    patch = body.model_dump(mode="json", exclude_unset=True)
    return patch.pop("version"), patch


def _authorities(r: Reader) -> list[dict[str, Any]] | None:
    """« Non renseigné »: None; « Non »: []; « Oui »: the rows filled in (at least one)."""
    answer = r.text("other_authorities_answer")
    if answer != "oui":
        return [] if answer == "non" else None
    rows = []
    for row in range(AUTHORITY_ROWS):
        fields = {k: r.text(f"other_authorities-{row}-{k}") for k in ("kind", "name", "on")}
        fields["reference"] = r.text(f"other_authorities-{row}-reference")
        if any(fields.values()):
            rows.append(fields)
    if not rows:
        r.problems.append(
            FieldProblem(("body", "other_authorities"), "indiquez au moins une autorité informée")
        )
    return rows


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
            "later_reasons": r.text("later_reasons"),
        },
    )


def assessment_in(form: FormData, prefix: str) -> AssessmentIn:
    r = Reader(form, prefix)
    adjustments = []
    for row in range(ADJUSTMENT_ROWS):
        delta, why = r.text(f"adjustments-{row}-delta"), r.text(f"adjustments-{row}-justification")
        category = r.text(f"adjustments-{row}-category")
        if delta or why:
            adjustments.append({"delta": delta, "justification": why, "category": category})
    data = {
        "version": r.version(),
        "context": r.text("context"),
        "identification": r.text("identification"),
        "confidentiality": r.text("confidentiality") or "none",
        "integrity": r.text("integrity") or "none",
        # The method's condition for altered data (breach.assessment): oui / non, or None
        # left « non renseigné », which the domain refuses for a loss of integrity (422).
        "integrity_possibly_misused": YES_NO.get(r.text("integrity_possibly_misused") or ""),
        "availability": r.text("availability") or "none",
        "malicious": r.checked("malicious"),
        "unintelligible": r.checked("unintelligible"),
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
            "below_band_justification": r.text("below_band_justification"),
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
            "followup_due_at": r.moment("followup_due_at"),
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
            "published_where": r.text("published_where"),
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
    return r.validate(
        CloseIn,
        {
            "version": r.version(),
            "reasons": r.text("reasons"),
            "incomplete_reasons": r.text("incomplete_reasons"),
        },
    )


def uuid_or_none(value: str | None) -> UUID | None:
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None
