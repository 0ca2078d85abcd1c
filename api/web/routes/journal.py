"""Pages: the audit journal of a body (who changed what, when, the values before and after),
its verification, and the public key that checks the signed checkpoints. Read through
core.audit.journal, as api/routes/journal.py does."""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request

from api.web.forms import FormErrors
from api.web.render import local_time, page, principal_of
from api.web.routes.exports import as_uuid, body_choices, forbidden, not_found, parse_day, period_of
from core.accounts.roles import Permission
from core.audit import journal
from core.audit.models import AuditEvent
from core.audit.signing import get_signing_key, key_id, public_key_pem
from core.audit.trail import DIGEST_KEY
from core.audit.verify import ProblemKind
from core.errors import NotFound
from core.keys import KeyConfigError
from register.export.records import ACTIVITY_COLUMNS
from register.organisations import service as organisations

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
NO_ACCESS = "Votre rôle ne permet de lire le journal d'aucun organisme."

ENTITY_LABELS = {
    "activity": "Fiche de traitement",
    "breach": "Violation",
    "incident": "Incident",
    "breach_notification": "Notification de violation",
    "convention": "Convention",
    "subprocessor_engagement": "Sous-traitance ultérieure",
    "security_measure": "Mesure de sécurité",
    "organisation": "Organisme",
    "dpo": "Délégué à la protection des données",
    "contact": "Contact",
    "message": "Message",
}
ENTITY_CHOICES = [{"value": k, "label": v} for k, v in ENTITY_LABELS.items()]
# The pages an event's record has (by entity type).
ENTITY_PAGES = {
    "activity": "/registre/{}",
    "breach": "/violations/{}",
    "convention": "/conventions/{}",
}

VERB_LABELS = {
    "create": "création",
    "update": "modification",
    "delete": "suppression",
    "propose": "proposition aux autres parties",
    "accept": "acceptation",
    "refuse": "refus",
    "withdraw": "retrait de la proposition",
    "declare": "déclaration",
    "update_facts": "mise à jour des faits",
    "record_controller_informed": "responsable de traitement informé",
    "record_awareness": "prise de connaissance",
    "assess": "évaluation du risque",
    "decide": "décision de notifier",
    "notify_cnil_initial": "notification initiale à la CNIL",
    "notify_cnil_complementary": "notification complémentaire à la CNIL",
    "inform_people": "information des personnes concernées",
    "record_cnil_reference": "numéro de dossier CNIL",
    "close": "clôture",
    "follow_detection": "suites d'une détection",
    "retry": "nouvel essai d'envoi",
}

PROBLEM_LABELS = {
    ProblemKind.MODIFIED: "événement modifié",
    ProblemKind.DELETED: "événement(s) supprimé(s)",
    ProblemKind.INSERTED: "événement inséré",
    ProblemKind.REORDERED: "événements renumérotés",
    ProblemKind.CHECKPOINT_SIGNATURE: "signature d'un point de contrôle invalide",
    ProblemKind.CHECKPOINT_MISMATCH: "point de contrôle contredit par la chaîne",
    ProblemKind.CHECKPOINT_UNCHECKED: "point de contrôle non vérifiable",
}

# The fields' names in French; the activity's are its export headers. An unknown field shows
# its stored name.
FIELD_LABELS = {
    **{c.key: c.header for c in ACTIVITY_COLUMNS},
    "id": "Identifiant",
    "version": "Version",
    "status": "Statut",
    "kind": "Nature",
    "title": "Titre",
    "description": "Description",
    "name": "Nom",
    "email": "Adresse électronique",
    "phone": "Téléphone",
    "address": "Adresse",
    "notes": "Notes",
    "created_at": "Date de création",
    "controller_id": "Responsable du traitement (identifiant)",
    "organisation_id": "Organisme (identifiant)",
    "joint_controller_ids": "Responsables conjoints (identifiants)",
    "convention_ids": "Conventions (identifiants)",
    "security_measure_ids": "Mesures de sécurité (identifiants)",
    "activity_ids": "Traitements concernés (identifiants)",
    "retention": "Durées de conservation",
    "recipients": "Destinataires",
    "transfers": "Transferts hors Union européenne",
    "collection_method": "Mode de collecte",
    "dpia_criteria": "Critères d'analyse d'impact",
    "dpia_ref": "Référence de l'analyse d'impact",
    "has_sensitive_data": "Données sensibles",
    # organisations, DPO, contacts
    "legal_name": "Raison sociale",
    "siren": "SIREN",
    "siret": "SIRET",
    "legal_rep_name": "Représentant légal",
    "legal_rep_title": "Qualité du représentant légal",
    "legal_rep_email": "Courriel du représentant légal",
    "legal_rep_phone": "Téléphone du représentant légal",
    "population": "Population",
    "staff_count": "Effectif",
    "competent_sa": "Autorité de contrôle compétente",
    "dpo_id": "Délégué à la protection des données (identifiant)",
    "dpo_designated_at": "Date de désignation du délégué",
    "dpo_cnil_designation_ref": "Référence de désignation à la CNIL",
    "mode": "Mode de désignation",
    "employer": "Employeur",
    "published_contact_url": "Adresse de contact publiée",
    "job_title": "Fonction",
    "roles": "Rôles",
    # incidents and breaches
    "incident_id": "Incident (identifiant)",
    "source_org_id": "Organisme dont le système est touché (identifiant)",
    "convention_id": "Convention (identifiant)",
    "system": "Système touché",
    "started_at": "Début de l'incident",
    "start_is_estimate": "Début estimé",
    "detected_at": "Détection",
    "ongoing": "En cours",
    "ended_at": "Fin de l'incident",
    "nature": "Nature de la violation",
    "origin": "Origine",
    "cause": "Cause",
    "declared_by": "Déclaré par",
    "path": "Voie de connaissance",
    "controller_notice_due_at": "Échéance pour informer le responsable",
    "controller_informed_at": "Responsable informé le",
    "controller_notice_late_reason": "Motif du retard à informer le responsable",
    "aware_at": "Prise de connaissance",
    "aware_rationale": "Justification de la prise de connaissance",
    "cnil_due_at": "Échéance de notification à la CNIL",
    "subject_categories": "Catégories de personnes concernées",
    "approx_subjects": "Nombre approximatif de personnes",
    "subjects_is_estimate": "Nombre de personnes estimé",
    "approx_records": "Nombre approximatif d'enregistrements",
    "consequences": "Conséquences probables",
    "consequences_detail": "Précisions sur les conséquences",
    "measures_taken": "Mesures prises",
    "measures_planned": "Mesures envisagées",
    "assessment": "Évaluation du risque",
    "severity_band": "Niveau de gravité",
    "assessed_at": "Évaluée le",
    "risk_level": "Niveau de risque",
    "notify_cnil": "Notifier la CNIL",
    "inform_people": "Informer les personnes",
    "decision_reasons": "Motifs de la décision",
    "decided_at": "Décidée le",
    "decided_by": "Décidée par",
    "closed_at": "Clôturée le",
    "closing_reasons": "Motifs de la clôture",
    "breach_id": "Violation (identifiant)",
    "recipient": "Destinataire",
    "phase": "Phase",
    "channel": "Canal",
    "sent_at": "Envoyée le",
    "due_at": "Échéance",
    "late_reason": "Motif du retard",
    "external_ref": "Numéro de dossier",
    "summary": "Résumé",
    "message_subject": "Objet du message",
    "message_body": "Texte du message",
    "recorded_by": "Enregistrée par",
    # conventions, sub-processing, measures, messages
    "parties": "Parties",
    "legal_instrument": "Acte juridique",
    "legal_basis": "Base légale",
    "subject": "Objet",
    "deliberation_refs": "Délibérations",
    "signed_at": "Signée le",
    "start_date": "Date d'effet",
    "duration_months": "Durée (mois)",
    "tacit_renewals": "Reconductions tacites",
    "notice_months": "Préavis (mois)",
    "end_date": "Date de fin",
    "breach_notice_hours": "Délai d'information en cas de violation (heures)",
    "breach_notice_channels": "Canaux d'information en cas de violation",
    "audit_right": "Droit d'audit",
    "last_audit_at": "Dernier audit",
    "end_of_service": "Fin de la prestation",
    "processor_id": "Sous-traitant (identifiant)",
    "subprocessor_org_id": "Sous-traitant ultérieur (identifiant)",
    "country": "Pays",
    "services": "Services",
    "data_locations": "Lieux d'hébergement des données",
    "transfer_mechanism": "Garantie de transfert",
    "authorisation": "Autorisation",
    "contract_ref": "Référence du contrat",
    "owner": "Responsable de la mesure",
    "priority": "Priorité",
    "evidence": "Preuves",
    "attempts": "Tentatives",
}

# Showing an event ---------------------------------------------------------------------------


def is_digest(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {DIGEST_KEY}


INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def shown(value: Any) -> str:
    """A journaled value as text: a protected one is said to be so, with its digest; an
    instant in Paris time."""
    if value is None or value == "" or value == []:
        return "(vide)"
    if is_digest(value):
        return f"valeur protégée (empreinte SHA-256 {value[DIGEST_KEY][:16]}…)"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str) and INSTANT.match(value):
        try:
            return local_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: a creation shows the value only
    after: str | None  # None: a deletion shows the value only
    protected: bool


@dataclass(frozen=True)
class EventView:
    seq: int
    at: Any
    actor: str
    action: str
    entity: str
    entity_href: str | None
    changes: list[Change]


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def changes_of(before: Any, after: Any) -> list[Change]:
    """Field by field; a creation or a deletion shows its filled fields only."""
    created, deleted = before is None, after is None
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    rows = []
    for name in sorted(before.keys() | after.keys(), key=lambda n: FIELD_LABELS.get(n, n)):
        old, new = before.get(name), after.get(name)
        if (created or deleted) and _empty(old) and _empty(new):
            continue
        rows.append(
            Change(
                field=FIELD_LABELS.get(name, name),
                before=None if created else shown(old),
                after=None if deleted else shown(new),
                protected=is_digest(old) or is_digest(new),
            )
        )
    return rows


def action_label(action: str) -> str:
    entity, _, verb = action.partition(".")
    return VERB_LABELS.get(verb or entity, verb or entity)


def entity_label(event: AuditEvent) -> str:
    text = ENTITY_LABELS.get(event.entity_type, event.entity_type)
    for row in (event.after, event.before):
        if isinstance(row, dict):
            name = row.get("name") or row.get("ref") or row.get("legal_name")
            if isinstance(name, str) and name:
                return f"{text} « {name} »"
    return text


def event_view(event: AuditEvent) -> EventView:
    href = None
    if event.entity_id and event.entity_type in ENTITY_PAGES:
        href = ENTITY_PAGES[event.entity_type].format(event.entity_id)
    return EventView(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        action=action_label(event.action),
        entity=entity_label(event),
        entity_href=href,
        changes=changes_of(event.before, event.after),
    )


def _public_key() -> dict[str, str] | None:
    try:
        key = get_signing_key()
    except KeyConfigError:
        return None
    return {"key_id": key_id(key.public_key()), "pem": public_key_pem(key)}


# Routes -------------------------------------------------------------------------------------


@router.get("/journal")
async def journal_page(request: Request):
    scope = principal_of(request).scope(Permission.READ_JOURNAL)
    bodies = await body_choices(scope)
    if not bodies:
        return forbidden(request, NO_ACCESS)
    query = request.query_params
    values = {k: query.get(k) or None for k in ("organisme", "type", "debut", "fin")}
    values["organisme"] = values["organisme"] or bodies[0]["value"]
    organisation_id = as_uuid(values["organisme"])
    if organisation_id is None:
        return not_found(request)
    # A deleted body's journal stays readable by those it was in scope for (as the API).
    if not scope.allows(organisation_id) or not await journal.has_events(organisation_id):
        try:
            await organisations.get_organisation(scope=scope, organisation_id=organisation_id)
        except NotFound:
            return not_found(request)
    errors = FormErrors()
    if values["type"] and values["type"] not in ENTITY_LABELS:
        errors.by_field["type"] = "type d'objet inconnu"
    period = period_of(
        parse_day(values["debut"], "debut", errors),
        parse_day(values["fin"], "fin", errors),
        errors,
        "fin",
    )
    try:
        number = max(1, int(query.get("page") or 1))
    except ValueError:
        number = 1
    events, total = [], 0
    if not errors:
        found = await journal.list_events(
            organisation_id,
            filters=journal.JournalFilters(
                entity_type=values["type"], since=period.since, until=period.until
            ),
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
        events, total = [event_view(e) for e in found.items], found.total
    kept = {k: v for k, v in values.items() if v}

    def page_href(n: int) -> str:
        return "/journal?" + urlencode({**kept, "page": n})

    last = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return page(
        request,
        "journal/index.html.j2",
        status=422 if errors else 200,
        bodies=bodies,
        body_name=dict((b["value"], b["label"]) for b in bodies).get(str(organisation_id), ""),
        entity_choices=ENTITY_CHOICES,
        values=values,
        errors=errors,
        events=events,
        total=total,
        first_index=(number - 1) * PAGE_SIZE + 1,
        number=number,
        last=last,
        previous_href=page_href(number - 1) if number > 1 else None,
        next_href=page_href(number + 1) if number < last else None,
    )


@router.get("/journal/verification")
async def verification_page(request: Request):
    scope = principal_of(request).scope(Permission.READ_JOURNAL)
    bodies = await body_choices(scope)
    if not bodies:
        return forbidden(request, NO_ACCESS)
    result = await journal.verify_journal(scope=scope)
    names = {b["value"]: b["label"] for b in bodies}
    problems = [
        {
            "chain": names.get(
                p.chain, "l'instance" if p.chain == journal.INSTANCE_CHAIN else p.chain
            ),
            "seq": p.seq,
            "event_id": p.event_id,
            "kind": PROBLEM_LABELS.get(p.kind, p.kind.value),
            "message": p.message,
        }
        for p in result.problems
    ]
    return page(
        request,
        "journal/verification.html.j2",
        result=result,
        problems=problems,
        public_key=_public_key(),
    )
