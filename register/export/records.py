"""The controller's record (art. 30(1)) and the processor's record (art. 30(2)) as documents.

The controller's record is one row per activity, read from the database in batches ordered by
(name, id) so an export of a large register never holds it whole. The columns follow the CNIL
register template (docs/regulatory.md §1.4), then what art. 30(1) adds (legal basis, transfers'
safeguards, processors and their chains).
"""

from collections.abc import AsyncIterator
from uuid import UUID

from core.clock import today_local, utcnow
from core.scope import Scope
from core.tabular.document import Column, Document, Row, Sheet
from register.chains.transfers import ChainTransfer, chain_transfers, missing_items
from register.conventions.life import convention_life, ended_words
from register.conventions.models import Convention
from register.enums import PartyRole, label
from register.export import cells
from register.export.activity_batches import activity_batches
from register.export.activity_cells import ActivityCells, ChainCells
from register.organisations.service import get_organisation
from register.records import (
    JointEntry,
    PartyCard,
    ProcessorLink,
    ProcessorRecord,
    SubprocessorLink,
    joint_entries,
    party_card,
    processor_links,
    processor_record,
)

ACTIVITY_COLUMNS = [
    Column("ref", "N° / Réf.", 12),
    Column("name", "Nom / sigle", 36),
    Column("status", "Statut de la fiche", 14),
    Column("created_at", "Date de création", 16),
    Column("updated_at", "Mise à jour", 16),
    Column("controller", "Responsable du traitement", 30),
    Column("dpo", "Délégué à la protection des données", 30),
    Column("representative", "Représentant", 24),
    Column("joint_controllers", "Responsables conjoints", 30),
    Column("software", "Logiciel / application", 24),
    Column("description", "Description", 40),
    Column("purposes", "Finalités (objectifs poursuivis)", 40),
    Column("legal_basis", "Base légale", 28),
    Column("legal_basis_detail", "Texte ou précision de la base légale", 36),
    Column("performed_in_public_tasks", "Dans l'exécution d'une mission de service public", 14),
    Column("data_subject_categories", "Catégories de personnes concernées", 28),
    Column("data_subject_details", "Précisions sur les personnes concernées", 32),
    Column("data_categories", "Catégories de données", 32),
    Column("data_category_details", "Précisions sur les données", 32),
    Column("special_categories", "Données sensibles (art. 9, art. 10, NIR)", 30),
    Column("art9_condition", "Exception de l'art. 9.2", 30),
    Column("art10_basis", "Fondement de l'art. 10", 30),
    Column("retention", "Durées de conservation", 44),
    Column("recipients", "Destinataires", 36),
    Column("conventions", "Conventions", 32),
    Column("processors", "Sous-traitants et sous-traitants ultérieurs", 44),
    Column("transfers", "Transferts hors de l'Union européenne", 40),
    Column("chain_transfers", "Transferts hors de l'Union par les sous-traitants ultérieurs", 44),
    Column("collection_method", "Mode de collecte", 20),
    Column("security_measures", "Mesures de sécurité", 40),
    Column("dpia_criteria", "Critères d'analyse d'impact (AIPD)", 32),
    Column("dpia_required", "AIPD requise", 10),
    Column("dpia_ref", "Référence de l'AIPD", 20),
    Column("next_review", "Prochaine revue", 14),
    Column("missing_fields", "Mentions obligatoires manquantes", 28),
    Column("id", "Identifiant", 38),
]


def _person(name: str | None, email: str | None, phone: str | None = None) -> str | None:
    parts = [p for p in (name, email, phone) if p]
    return ", ".join(parts) or None


def card_header(card: PartyCard, role: str) -> list[tuple[str, str]]:
    rows = [
        (role, card.legal_name),
        ("SIREN", card.siren),
        ("Adresse", card.address),
        ("Représentant légal", _person(card.legal_rep_name, card.legal_rep_email)),
        (
            "Délégué à la protection des données",
            _person(card.dpo_name, card.dpo_email, card.dpo_phone),
        ),
        ("Désignation du DPO auprès de la CNIL", card.dpo_cnil_designation_ref),
    ]
    return [(k, v) for k, v in rows if v]


def _chain_line(link: SubprocessorLink) -> str:
    where = ", ".join(link.data_locations) or link.country
    indent = "  " * link.depth
    return f"{indent}↳ {link.name} ({link.services}, {where}), engagé par {link.hired_by}"


def chain_transfer_line(transfer: ChainTransfer) -> str:
    mechanism = transfer.mechanism_label or "AUCUN MÉCANISME (art. 44 à 49)"
    return cells.PART.join([transfer.country, transfer.recipient, mechanism, transfer.via])


def _processor_lines(link: ProcessorLink) -> list[str]:
    head = (
        f"{link.processor.legal_name} ({link.role_label.lower()}, "
        f"convention « {link.convention_title} »)"
    )
    return [head, *(_chain_line(s) for s in link.subprocessors)]


async def _convention_lookups(controller_id: UUID) -> tuple[dict[str, str], ChainCells]:
    """The titles of the conventions in force the body's activities link to, the lines of
    their processors with their chains and the transfers those chains make: read once per
    export, before the first batch (a register has few conventions and many activities)."""
    linked = Convention.in_force().filter(activities__controller_id=controller_id).distinct()
    titles: dict[str, str] = {}
    chains = ChainCells()
    for convention in await linked:
        key = str(convention.id)
        ended = ended_words(convention_life(convention, today_local()))
        titles[key] = f"{convention.title} ({ended})" if ended else convention.title
        links = await processor_links(convention)
        chains.processors[key] = [line for link in links for line in _processor_lines(link)]
        transfers = chain_transfers(
            [s for link in links for s in link.subprocessors], controller_id=controller_id
        )
        chains.transfers[key] = [chain_transfer_line(t) for t in transfers]
        chains.missing[key] = missing_items(transfers)
    return titles, chains


async def controller_activity_rows(controller_id: UUID, card: PartyCard) -> AsyncIterator[Row]:
    """The record's rows: one SQL statement per batch of activities (activity_batches), the
    cells built as plain strings (activity_cells)."""
    titles, chains = await _convention_lookups(controller_id)
    shape = ActivityCells(
        controller=card.legal_name,
        dpo=_person(card.dpo_name, card.dpo_email, card.dpo_phone),
        convention_titles=titles,
        chains=chains,
    )
    async for batch in activity_batches(controller_id):
        for record in batch:
            yield shape.row(record)
    # Then the activities it holds jointly with the bodies that keep them (art. 26): a few.
    for entry in await joint_entries(controller_id):
        yield joint_row(entry)


def _arrangement_line(arrangement) -> str:
    essence = arrangement.essence or "grandes lignes non renseignées"
    return (
        f"{arrangement.title} (art. 26) : {arrangement.breach_duty} ; grandes lignes de "
        f"l'accord (art. 26.2) : {essence}"
    )


def joint_row(entry: JointEntry) -> Row:
    """An activity held jointly with the body that keeps it (register.activities.joint), in
    the record's columns: that body as controller, the others as joint controllers, the
    arrangement's essence with the conventions."""
    a, holder = entry.activity, entry.holder
    row: Row = {column.key: None for column in ACTIVITY_COLUMNS}
    row |= {
        "ref": a.ref or None,
        "name": a.name,
        "status": label(a.status),
        "created_at": cells.moment(a.created_at),
        "updated_at": cells.moment(a.updated_at),
        "controller": holder.legal_name,
        "dpo": _person(holder.dpo_name, holder.dpo_email, holder.dpo_phone),
        "joint_controllers": cells.lines(c.legal_name for c in entry.joint_controllers),
        "description": a.description or None,
        "purposes": cells.lines(a.purposes),
        "legal_basis": cells.enum_label(a.legal_basis),
        "data_subject_categories": cells.labels(a.data_subject_categories),
        "data_categories": cells.labels(a.data_categories),
        "retention": cells.lines(cells.retention_rule(r) for r in a.retention),
        "conventions": cells.lines(_arrangement_line(x) for x in entry.arrangements),
        "id": str(a.id),
    }
    return row


async def controller_record_document(*, scope: Scope, organisation_id: UUID) -> Document:
    org = await get_organisation(scope=scope, organisation_id=organisation_id)
    card = await party_card(org)
    return Document(
        key="controller-record",
        title=f"Registre des activités de traitement — {org.legal_name}",
        header=[
            ("Document", "Registre du responsable de traitement (art. 30.1 RGPD)"),
            *card_header(card, "Responsable du traitement"),
            ("Heures", "heure de Paris (Europe/Paris)"),
        ],
        sheets=[
            Sheet(
                key="activities",
                title="Activités de traitement",
                columns=ACTIVITY_COLUMNS,
                rows=lambda: controller_activity_rows(org.id, card),
                heading_key="name",
            )
        ],
        generated_at=cells.moment(utcnow()) or "",
    )


PROCESSOR_COLUMNS = [
    Column("convention", "Convention", 32),
    Column("role", "Qualité du déclarant", 18),
    Column("acting_for", "Pour le compte du sous-traitant", 30),
    Column("controller", "Responsable du traitement", 30),
    Column("controller_address", "Adresse du responsable", 30),
    Column("controller_representative", "Représentant du responsable", 28),
    Column("controller_dpo", "DPO du responsable", 30),
    Column("processing_categories", "Catégories de traitements effectués", 40),
    Column("subprocessors", "Sous-traitants ultérieurs", 44),
    Column("transfers", "Transferts hors de l'Union européenne", 40),
    Column("chain_transfers", "Transferts hors de l'Union par les sous-traitants ultérieurs", 44),
    Column("measures", "Mesures de sécurité (description générale)", 44),
    Column("missing_items", "Mentions obligatoires manquantes", 28),
]


def processor_rows(record: ProcessorRecord) -> list[Row]:
    rows = []
    for served in record.controllers:
        c = served.controller
        rows.append(
            {
                "convention": cells.lines([served.convention_title, served.convention_ended or ""]),
                "role": label_role(served.role),
                "acting_for": served.acting_for.legal_name if served.acting_for else None,
                "controller": c.legal_name,
                "controller_address": cells.text(c.address),
                "controller_representative": _person(c.legal_rep_name, c.legal_rep_email),
                "controller_dpo": _person(c.dpo_name, c.dpo_email, c.dpo_phone),
                "processing_categories": cells.lines(
                    [
                        f"Prestations : {served.services}" if served.services else "",
                        *served.processing_categories,
                    ]
                ),
                "subprocessors": cells.lines(_chain_line(s) for s in served.subprocessors),
                "transfers": cells.lines(cells.transfer(t) for t in served.transfers),
                "chain_transfers": cells.lines(
                    chain_transfer_line(t) for t in served.chain_transfers
                ),
                "missing_items": cells.lines(served.missing_items),
                "measures": cells.lines(
                    f"{m.title} ({label(m.status).lower()})" for m in served.measures
                ),
            }
        )
    return rows


def label_role(role: str) -> str:
    return label(PartyRole(role))


async def processor_record_document(*, scope: Scope, organisation_id: UUID) -> Document:
    # Bounded by the body's conventions, not by the register's size: built whole.
    record = await processor_record(scope=scope, organisation_id=organisation_id)
    rows = processor_rows(record)

    async def served() -> AsyncIterator[Row]:
        for row in rows:
            yield row

    return Document(
        key="processor-record",
        title=f"Registre du sous-traitant — {record.processor.legal_name}",
        header=[
            ("Document", "Registre des catégories d'activités du sous-traitant (art. 30.2 RGPD)"),
            *card_header(record.processor, "Sous-traitant"),
            ("Heures", "heure de Paris (Europe/Paris)"),
        ],
        sheets=[
            Sheet(
                key="controllers",
                title="Responsables servis",
                columns=PROCESSOR_COLUMNS,
                rows=served,
                heading_key="controller",
            )
        ],
        generated_at=cells.moment(utcnow()) or "",
    )
