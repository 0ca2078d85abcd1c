"""The NIS2 forms of the incident's NIS2 page, read into breach.nis2_schemas' shapes; each form
has its prefix (`nis2-`, `aware-`, `send-`), so a refusal comes back beside its field."""

from datetime import datetime

from starlette.datastructures import FormData

from api.web.forms import Reader
from breach.nis2_schemas import (
    Nis2AwarenessIn,
    Nis2DecisionIn,
    Nis2IntermediateIn,
    Nis2SendingIn,
)
from core.errors import FieldProblem

YES_NO = {"oui": True, "non": False}  # « non renseigné » is None
BAD_NUMBER = "nombre entier attendu"
_COUNTS = ("unavailability_hours", "people_affected", "financial_loss_eur")
_YES_NO = ("damage_to_others", "malicious", "cross_border")
_TEXTS = ("severity", "impact", "indicators", "threat", "mitigation")


def _count(r: Reader, name: str) -> str | None:
    value = (r.text(name) or "").replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    if not value:
        return None
    if not value.isdigit():
        r.problems.append(FieldProblem(("body", name), BAD_NUMBER))
        return None
    return value


def decision_in(form: FormData, *, now: datetime) -> Nis2DecisionIn:
    r = Reader(form, "nis2-")
    data = {
        "version": r.version(),
        "significant": YES_NO.get(r.text("significant") or ""),
        "reasons": r.text("reasons"),
        "aware_at": r.moment("aware_at", done_by=now),
        **{name: _count(r, name) for name in _COUNTS},
        **{name: YES_NO.get(r.text(name) or "") for name in _YES_NO},
        **{name: r.text(name) for name in _TEXTS},
    }
    return r.validate(Nis2DecisionIn, data)


def awareness_in(form: FormData, *, now: datetime) -> Nis2AwarenessIn:
    r = Reader(form, "aware-")
    data = {
        "version": r.version(),
        "aware_at": r.moment("aware_at", done_by=now),
        "reasons": r.text("reasons"),
    }
    return r.validate(Nis2AwarenessIn, data)


def sending_in(form: FormData, *, now: datetime) -> Nis2SendingIn:
    r = Reader(form, "send-")
    data = {
        "version": r.version(),
        "phase": r.text("phase"),
        "sent_at": r.moment("sent_at", done_by=now),
        "channel": r.text("channel"),
        "reference": r.text("reference"),
    }
    return r.validate(Nis2SendingIn, data)


def intermediate_in(form: FormData) -> Nis2IntermediateIn:
    r = Reader(form, "inter-")
    return r.validate(Nis2IntermediateIn, {"version": r.version(), "due_at": r.moment("due_at")})
