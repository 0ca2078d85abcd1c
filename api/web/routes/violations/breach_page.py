"""Page: one breach, its facts, its history and the forms of the workflow steps the state
and the person's roles allow now (the view model is breach.breach_sheet's)."""

from decimal import Decimal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.web import breach_forms as forms
from api.web.forms import Values, local_value
from api.web.render import page, principal_of
from api.web.routes.violations.common import (
    BREACH_PAGE_CONSTANTS,
    Failure,
    forbidden,
    not_found,
)
from breach.breach_sheet import breach_sheet
from breach.breaches.schemas import BreachOut
from core.accounts.roles import Permission, Principal
from core.clock import utcnow
from core.errors import NotFound

router = APIRouter(include_in_schema=False)


def _cnil_facts(breach: BreachOut) -> dict:
    """The facts form's answers on the other authorities and the cross-border processing."""
    authorities = breach.other_authorities
    answer = "" if authorities is None else "oui" if authorities else "non"
    values = {
        "facts-other_authorities_answer": answer,
        "facts-cross_border": {True: "oui", False: "non"}.get(breach.cross_border, ""),
        "facts-other_member_states": [s.value for s in breach.other_member_states],
    }
    for index, row in enumerate(authorities or []):
        prefix = f"facts-other_authorities-{index}-"
        values |= {
            prefix + "kind": row.kind.value,
            prefix + "name": row.name or "",
            prefix + "on": row.on.isoformat() if row.on else "",
            prefix + "reference": row.reference or "",
        }
    return values


def _defaults(breach: BreachOut, principal: Principal, now_local: str) -> dict[str, Values]:
    assessed = (breach.assessment or {}).get("inputs") or {}
    adjustments = {}
    for index, row in enumerate(assessed.get("adjustments") or []):
        adjustments[f"assess-adjustments-{index}-delta"] = str(
            Decimal(str(row["delta"])).normalize()
        )
        adjustments[f"assess-adjustments-{index}-justification"] = row["justification"]
        adjustments[f"assess-adjustments-{index}-category"] = row.get("category") or ""
    notify = {True: "oui", False: "non"}.get(breach.notify_cnil, "")
    return {
        "facts": Values(
            {
                "facts-data_categories": [c.value for c in breach.data_categories],
                "facts-subject_categories": [c.value for c in breach.subject_categories],
                "facts-approx_subjects": breach.approx_subjects,
                "facts-subjects_is_estimate": "on" if breach.subjects_is_estimate else "",
                "facts-approx_records": breach.approx_records,
                "facts-consequences": [c.value for c in breach.consequences],
                "facts-consequences_detail": breach.consequences_detail,
                "facts-measures_taken": breach.measures_taken,
                "facts-measures_planned": breach.measures_planned,
                **_cnil_facts(breach),
            }
        ),
        "notice": Values(),
        "aware": Values({"aware-aware_at": local_value(breach.aware_at) or now_local}),
        "assess": Values(
            {
                "assess-context": assessed.get("context"),
                "assess-identification": assessed.get("identification"),
                "assess-confidentiality": assessed.get("confidentiality", "none"),
                "assess-integrity": assessed.get("integrity", "none"),
                "assess-availability": assessed.get("availability", "none"),
                "assess-malicious": "on" if assessed.get("malicious") else "",
                "assess-integrity_possibly_misused": {True: "oui", False: "non"}.get(
                    assessed.get("integrity_possibly_misused"), ""
                ),
                "assess-unintelligible": "on" if assessed.get("unintelligible") else "",
                **adjustments,
            }
        ),
        "decision": Values(
            {
                "decision-risk_level": breach.risk_level.value if breach.risk_level else "",
                "decision-notify_cnil": notify,
                "decision-inform_people": (
                    breach.inform_people.value if breach.inform_people else ""
                ),
                "decision-art34_exemption": (
                    breach.art34_exemption.value if breach.art34_exemption else ""
                ),
                "decision-reasons": breach.decision_reasons,
            }
        ),
        "cnil": Values({"cnil-sent_at": now_local, "cnil-channel": "teleservice"}),
        "people": Values({"people-sent_at": now_local, "people-channel": "email"}),
        "close": Values(),
    }


async def breach_page(
    request: Request,
    breach_id: UUID,
    *,
    status: int = 200,
    failure: Failure | None = None,
    phase: str | None = None,
) -> HTMLResponse:
    principal = principal_of(request)
    if principal.scope(Permission.READ_BREACHES).is_empty:
        return forbidden(request)
    now = utcnow()
    wanted = phase or (failure.values.get("cnil-phase") if failure else None)
    try:
        sheet = await breach_sheet(principal, breach_id, now=now, wanted_phase=wanted)
    except NotFound:
        return not_found(request)
    values = _defaults(sheet.b, principal, local_value(now))
    if failure is not None:
        values[failure.form] = failure.values
    return page(
        request,
        "violations/breach.html.j2",
        status=status,
        **sheet.context(),
        values=values,
        failure=failure,
        errs=(lambda form: failure.errors if failure and failure.form == form else None),
        **BREACH_PAGE_CONSTANTS,
    )


@router.get("/violations/{breach_id}", name="violations.breach")
async def breach_detail(request: Request, breach_id: str, phase: str | None = None):
    found = forms.uuid_or_none(breach_id)
    if found is None:
        return not_found(request)
    return await breach_page(request, found, phase=phase)
