"""The documents an auditor can export, by name: the two art. 30 records and the breach
register (this module sits in breach/ because it reaches both layers)."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from breach.export import BREACH_COLUMNS, breach_register_document
from core.scope import Scope
from core.tabular.document import Column, Document, Sheet
from register.export.records import (
    ACTIVITY_COLUMNS,
    PROCESSOR_COLUMNS,
    controller_record_document,
    processor_record_document,
)


class DocumentKind(StrEnum):
    CONTROLLER_RECORD = "controller-record"
    PROCESSOR_RECORD = "processor-record"
    BREACH_REGISTER = "breach-register"


_SHAPES: dict[DocumentKind, tuple[str, str, str, list[Column]]] = {
    DocumentKind.CONTROLLER_RECORD: (
        "Registre des activités de traitement (art. 30.1 RGPD)",
        "activities",
        "Activités de traitement",
        ACTIVITY_COLUMNS,
    ),
    DocumentKind.PROCESSOR_RECORD: (
        "Registre du sous-traitant (art. 30.2 RGPD)",
        "controllers",
        "Responsables servis",
        PROCESSOR_COLUMNS,
    ),
    DocumentKind.BREACH_REGISTER: (
        "Registre des violations de données (art. 33.5 RGPD)",
        "breaches",
        "Violations",
        BREACH_COLUMNS,
    ),
}


async def build_document(
    kind: DocumentKind,
    *,
    scope: Scope,
    organisation_id: UUID,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Document:
    if kind == DocumentKind.CONTROLLER_RECORD:
        return await controller_record_document(scope=scope, organisation_id=organisation_id)
    if kind == DocumentKind.PROCESSOR_RECORD:
        return await processor_record_document(scope=scope, organisation_id=organisation_id)
    return await breach_register_document(
        scope=scope, organisation_id=organisation_id, now=now, since=since, until=until
    )


def document_shape(kind: DocumentKind) -> Document:
    """The document's columns without rows: what its published JSON schema describes."""
    title, sheet_key, sheet_title, columns = _SHAPES[kind]

    async def no_rows():
        return
        yield

    return Document(
        key=kind.value,
        title=title,
        sheets=[Sheet(key=sheet_key, title=sheet_title, columns=columns, rows=no_rows)],
    )
