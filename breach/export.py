"""A controller's breach register (art. 33(5)) as a document: one row per breach, notified or
not, with the facts, effects, remedial action, the reasoning and every notification made.

Rows are read in batches ordered by (created_at, id), like the records' export.
"""

from collections.abc import AsyncIterator
from datetime import datetime
from uuid import UUID

from tortoise.expressions import Q

from breach import register_cells as rc
from breach.breaches import awareness
from breach.breaches.models import Breach
from breach.breaches.schemas import BreachOut, NotificationOut
from breach.breaches.service import breaches_out
from breach.enums import BreachNature, IncidentCause, IncidentOrigin
from breach.incidents.models import Incident
from core.scope import Scope
from core.tabular.document import Column, Document, Row, Sheet
from register.enums import label
from register.export import cells
from register.export.records import card_header
from register.organisations.service import get_organisation
from register.records import party_card

BATCH = 200

BREACH_COLUMNS = [
    Column("ref", "Référence", 16),
    Column("incident", "Incident", 32),
    Column("controller", "Responsable du traitement", 28),
    Column("source", "Organisme dont le système est touché", 28),
    Column("path", "Voie de connaissance", 24),
    Column("status", "État", 16),
    Column("started_at", "Début de la violation", 16),
    Column("detected_at", "Détection", 16),
    Column("controller_informed_at", "Responsable informé le", 16),
    Column("aware_at", "Connaissance (point de départ des 72 h)", 16),
    Column("cnil_due_at", "Échéance CNIL", 16),
    Column("aware_rationale", "Motifs de la date de prise de connaissance", 36),
    Column("aware_moves", "Prise de connaissance déplacée (motifs)", 44),
    Column("overdue", "Retard de notification", 24),
    Column("facts", "Faits", 44),
    Column("nature", "Nature de la violation", 24),
    Column("origin", "Origine", 28),
    Column("cause", "Cause", 20),
    Column("data_categories", "Catégories de données", 30),
    Column("subject_categories", "Catégories de personnes", 28),
    Column("approx_subjects", "Nombre approximatif de personnes", 14),
    Column("approx_records", "Nombre approximatif d'enregistrements", 14),
    Column("consequences", "Conséquences probables", 36),
    Column("measures_taken", "Mesures prises", 40),
    Column("measures_planned", "Mesures envisagées", 40),
    Column("severity", "Gravité (méthode ENISA) et recommandation", 32),
    Column("assessments", "Évaluations successives (méthode ENISA)", 44),
    Column("risk_level", "Niveau de risque retenu", 18),
    Column("notify_cnil", "Notification à la CNIL", 12),
    Column("inform_people", "Communication aux personnes", 24),
    Column("art34_exemption", "Exemption de l'art. 34.3", 24),
    Column("decision_reasons", "Motifs de la décision", 44),
    Column("decided_by", "Décision enregistrée par", 28),
    Column("below_band_justification", "Justification de l'écart avec l'évaluation ENISA", 44),
    Column("notifications", "Notifications effectuées", 48),
    Column("followup_due_at", "Notification complémentaire promise pour le", 16),
    Column("closed_at", "Clôture", 16),
    Column("closing_reasons", "Motifs de clôture", 36),
    Column("incomplete_reasons", "Motifs de la clôture malgré des faits incomplets", 36),
    Column("history", "Historique (date, étape, auteur)", 60),
    Column("id", "Identifiant", 38),
]


def _count(value: int | None, estimate: bool = False) -> str | None:
    if value is None:
        return None
    return f"environ {value}" if estimate else str(value)


def notification_line(n: NotificationOut) -> str:
    parts = [
        f"{label(n.recipient)} ({label(n.phase).lower()})",
        cells.moment(n.sent_at) or "",
        label(n.channel),
    ]
    if n.external_ref:
        parts.append(f"n° {n.external_ref}")
    if n.late_reason:
        parts.append(f"motifs du retard : {n.late_reason}")
    if getattr(n, "published_where", None):  # a public communication (art. 34(3)(c))
        parts.append(f"publiée : {n.published_where}")
    if n.recorded_by:
        parts.append(f"enregistrée par {n.recorded_by}")
    return cells.PART.join(parts)


def breach_row(
    breach: BreachOut, incident: Incident, *, controller: str, source: str | None
) -> Row:
    consequences = [label(c) for c in breach.consequences]
    if breach.consequences_detail:
        consequences.append(breach.consequences_detail)
    return {
        "ref": breach.ref,
        "incident": incident.title,
        "controller": controller,
        "source": source,
        "path": label(breach.path),
        "status": label(breach.status),
        "started_at": cells.moment(incident.started_at),
        "detected_at": cells.moment(incident.detected_at),
        "controller_informed_at": cells.moment(breach.controller_informed_at),
        "aware_at": cells.moment(breach.aware_at),
        "aware_rationale": cells.text(breach.aware_rationale),
        "cnil_due_at": cells.moment(breach.cnil_due_at),
        "aware_moves": awareness.moved_text(breach),
        "overdue": awareness.overdue_text(breach),
        "facts": rc.required(cells.text(incident.description)),
        "nature": cells.labels(BreachNature(n) for n in incident.nature),
        "origin": cells.enum_label(IncidentOrigin(incident.origin) if incident.origin else None),
        "cause": cells.enum_label(IncidentCause(incident.cause) if incident.cause else None),
        "data_categories": cells.labels(breach.data_categories),
        "subject_categories": cells.labels(breach.subject_categories),
        "approx_subjects": _count(breach.approx_subjects, breach.subjects_is_estimate),
        "approx_records": _count(breach.approx_records),
        "consequences": rc.required(cells.lines(consequences)),
        "measures_taken": rc.required(cells.text(breach.measures_taken)),
        "measures_planned": cells.text(breach.measures_planned),
        "severity": rc.severity(breach.assessment),
        "assessments": rc.assessments(breach),
        "risk_level": rc.required(cells.enum_label(breach.risk_level)),
        "notify_cnil": rc.required(cells.yes_no(breach.notify_cnil)),
        "inform_people": cells.enum_label(breach.inform_people),
        "art34_exemption": cells.enum_label(breach.art34_exemption),
        "decision_reasons": rc.required(cells.text(breach.decision_reasons)),
        "decided_by": rc.decided_by(breach),
        "below_band_justification": cells.text(breach.below_band_justification),
        "notifications": cells.lines(notification_line(n) for n in breach.notifications),
        "followup_due_at": rc.optional_moment(breach, "followup_due_at"),
        "closed_at": cells.moment(breach.closed_at),
        "closing_reasons": cells.text(breach.closing_reasons),
        "incomplete_reasons": rc.optional_text(breach, "incomplete_reasons"),
        "history": rc.history(breach.events),
        "id": str(breach.id),
    }


async def register_batches(
    controller_id: UUID, *, since: datetime | None = None, until: datetime | None = None
) -> AsyncIterator[list[Breach]]:
    """The body's breaches in the order they were recorded, BATCH at a time by keyset; a
    period keeps those whose incident was detected in it (an auditor's window)."""
    after: tuple[datetime, UUID] | None = None
    while True:
        query = Breach.filter(controller_id=controller_id)
        if since:
            query = query.filter(incident__detected_at__gte=since)
        if until:
            query = query.filter(incident__detected_at__lt=until)
        if after:
            at, last_id = after
            query = query.filter(Q(created_at__gt=at) | Q(created_at=at, id__gt=last_id))
        # The incident and the source body come in the same statement (a join), not in a
        # query of their own per batch.
        query = query.select_related("incident", "source_org")
        batch = list(await query.order_by("created_at", "id").limit(BATCH))
        if not batch:
            return
        yield batch
        after = (batch[-1].created_at, batch[-1].id)


async def breach_rows(
    controller_id: UUID,
    controller: str,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AsyncIterator[Row]:
    """The body's breaches in the order they were recorded; a period keeps those detected in
    it (an auditor's window). Per batch: one statement for the breaches with their incidents
    and source bodies, and breaches_out's three (notifications, events, activities)."""
    async for batch in register_batches(controller_id, since=since, until=until):
        for breach, shown in zip(batch, await breaches_out(batch, now=now), strict=True):
            source = breach.source_org
            yield breach_row(
                shown,
                breach.incident,
                controller=controller,
                source=source.legal_name if source else None,
            )


def period_label(since: datetime | None, until: datetime | None) -> str | None:
    if not since and not until:
        return None
    start = cells.moment(since) if since else "l'origine"
    end = cells.moment(until) if until else "aujourd'hui"
    return f"incidents détectés du {start} au {end} (exclu)"


async def breach_register_document(
    *,
    scope: Scope,
    organisation_id: UUID,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Document:
    org = await get_organisation(scope=scope, organisation_id=organisation_id)
    card = await party_card(org)
    period = period_label(since, until)
    return Document(
        key="breach-register",
        title=f"Registre des violations de données — {org.legal_name}",
        header=[
            ("Document", "Registre des violations de données personnelles (art. 33.5 RGPD)"),
            *card_header(card, "Responsable du traitement"),
            *([("Période", period)] if period else []),
            ("Heures", "heure de Paris (Europe/Paris)"),
        ],
        sheets=[
            Sheet(
                key="breaches",
                title="Violations",
                columns=BREACH_COLUMNS,
                rows=lambda: breach_rows(org.id, org.legal_name, now=now, since=since, until=until),
                heading_key="ref",
            )
        ],
        generated_at=cells.moment(now) or "",
    )
