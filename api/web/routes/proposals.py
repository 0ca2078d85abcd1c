"""Pages: convention proposals a body must accept or refuse (issue 13).

The same services as api/routes/conventions.py: reading needs READ_REGISTER in a party,
answering EDIT_REGISTER in the awaited body (its DPO or administrator). The dashboard lists
the proposals awaiting the user's answer; this page shows one with what it would change.
"""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from api.web.forms import errors_from, text
from api.web.render import page, path_for, principal_of
from core.accounts.roles import Permission
from core.errors import Conflict, NotFound, ValidationFailed
from register.chains.convention import party_names
from register.conventions import consent, service
from register.conventions.clauses import clauses_text
from register.conventions.schemas import ConventionIn, ProposalOut
from register.enums import ConventionKind, JointBreachDuty, PartyRole, label

router = APIRouter(include_in_schema=False)

# The convention's fields as the page names them (what a change proposal may touch).
FIELD_LABELS = {
    "title": "Intitulé",
    "kind": "Type",
    "legal_instrument": "Instrument",
    "legal_basis": "Fondement",
    "subject": "Objet",
    "deliberation_refs": "Délibérations",
    "signed_at": "Date de signature",
    "start_date": "Début",
    "duration_months": "Durée (mois)",
    "tacit_renewals": "Reconductions tacites",
    "notice_months": "Préavis (mois)",
    "end_date": "Date de fin",
    "express_renewals": "Reconductions expresses permises",
    "express_renewal_decisions": "Reconductions expresses décidées",
    "terminated_on": "Résiliation : dernier jour en vigueur",
    "termination_reason": "Motif de la résiliation",
    "terminated_by": "Résiliation décidée par",
    "parties": "Parties et rôles",
    "documented_instructions": "Instructions documentées (art. 28.3 a)",
    "staff_confidentiality": "Confidentialité du personnel (art. 28.3 b)",
    "assists_data_subject_rights": "Aide aux droits des personnes (art. 28.3 e)",
    "assists_security_obligations": "Aide aux obligations de sécurité (art. 28.3 f)",
    "informs_unlawful_instruction": "Alerte sur une instruction illicite (art. 28.3 h)",
    "subprocessor_authorisation": "Autorisation de sous-traitance ultérieure",
    "subprocessor_notice_days": "Délai de prévenance (jours)",
    "breach_notice_hours": "Délai d'alerte en cas de violation (heures)",
    "breach_notice_channels": "Canaux d'alerte",
    "breach_phased_information": "Information par étapes",
    "breach_lead_id": "Chef de file pour les violations",
    "joint_breach_duty": "Notification des violations entre responsables conjoints",
    "arrangement_essence": "Grandes lignes de l'accord (art. 26.2)",
    "audit_right": "Droit d'audit",
    "clauses": "Clauses minimales (art. 28.3) : liste de contrôle",
    "last_audit_at": "Dernier audit",
    "end_of_service": "Sort des données en fin de service",
    "end_of_service_proof": "Preuve de restitution ou de destruction",
    "end_of_service_days": "Délai de restitution ou de destruction (jours après la fin)",
    "notes": "Notes",
}
assert set(FIELD_LABELS) == set(ConventionIn.model_fields), "a convention field has no label"

DONE = {"accept": "proposition-acceptee", "refuse": "proposition-refusee"}


def _value_text(field: str, value: Any, names: dict[UUID, str]) -> str:
    if value is None or value == [] or value == "":
        return "non renseigné"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if field == "parties":
        return " ; ".join(
            f"{names.get(UUID(p['organisation_id']), '?')} ({label(PartyRole(p['role'])).lower()})"
            for p in value
        )
    if field == "breach_lead_id":
        return names.get(UUID(value), "?")
    if field == "kind":
        return label(ConventionKind(value))
    if field == "joint_breach_duty":
        return label(JointBreachDuty(value))
    if field == "clauses":
        return clauses_text(value)
    if field == "express_renewal_decisions":
        return " ; ".join(f"{d['decided_on']} ({d['reference']})" for d in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


async def proposal_view(proposal: ProposalOut) -> dict[str, Any]:
    """The proposal with each change in words, for the page."""
    ids = {a.organisation_id for a in proposal.answers}
    for change in proposal.changes:
        if change.field == "parties":
            for rows in (change.in_force, change.proposed):
                ids |= {UUID(p["organisation_id"]) for p in rows or []}
    names = await party_names(ids)
    return {
        "proposal": proposal,
        "changes": [
            {
                "label": FIELD_LABELS.get(c.field, c.field),
                "in_force": _value_text(c.field, c.in_force, names),
                "proposed": _value_text(c.field, c.proposed, names),
            }
            for c in proposal.changes
        ],
    }


async def _proposal_page(request: Request, proposal_id: str, *, status=200, errors=None):
    principal = principal_of(request)
    scope = principal.scope(Permission.READ_REGISTER)
    if scope.is_empty:
        return page(request, "error.html.j2", status=403, code=403)
    try:
        found = await consent.get_proposal(scope=scope, proposal_id=UUID(proposal_id))
    except (ValueError, NotFound):
        return page(
            request,
            "error.html.j2",
            status=404,
            code=404,
            message="Cette proposition n'existe pas, ou aucun des organismes de votre compte "
            "n'y est partie.",
            back_href=path_for(request, "conventions.list"),
            back_text="Revenir aux conventions",
        )
    editable = principal.scope(Permission.EDIT_REGISTER)
    (shown,) = await service.proposals_out([found], scope=editable)
    return page(
        request,
        "conventions/proposal.html.j2",
        status=status,
        errors=errors,
        **await proposal_view(shown),
    )


@router.get("/propositions/{proposal_id}", name="proposals.sheet")
async def proposal_page(request: Request, proposal_id: str):
    return await _proposal_page(request, proposal_id)


async def _answer(request: Request, proposal_id: str, *, accept: bool):
    scope = principal_of(request).scope(Permission.EDIT_REGISTER)
    if scope.is_empty:
        return page(request, "error.html.j2", status=403, code=403)
    form = await request.form()
    try:
        await consent.answer_proposal(
            scope=scope,
            proposal_id=UUID(proposal_id),
            accept=accept,
            comment=text(form, "comment"),
        )
    except (ValueError, NotFound):
        return await _proposal_page(request, proposal_id)
    except ValidationFailed as exc:
        return await _proposal_page(request, proposal_id, status=422, errors=errors_from(exc))
    except Conflict as exc:
        errors = errors_from(ValidationFailed.one(msg=str(exc)))
        return await _proposal_page(request, proposal_id, status=409, errors=errors)
    done = DONE["accept" if accept else "refuse"]
    return RedirectResponse(
        path_for(request, "proposals.sheet", proposal_id=proposal_id) + f"?fait={done}",
        status_code=303,
    )


@router.post("/propositions/{proposal_id}/accepter", name="proposals.accept")
async def accept(request: Request, proposal_id: str):
    return await _answer(request, proposal_id, accept=True)


@router.post("/propositions/{proposal_id}/refuser", name="proposals.refuse")
async def refuse(request: Request, proposal_id: str):
    return await _answer(request, proposal_id, accept=False)
