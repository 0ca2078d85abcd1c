"""Documents attached to conventions and engagements: added and deleted by a party's DPO or
administrator (the processor's, for an engagement), read by the bodies of `readers`; another
body's document answers as a missing one. The content is kept encrypted (DocumentContent),
its SHA-256 beside it; reading it back checks that digest."""

import base64
import binascii
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tortoise.transactions import in_transaction

from core.actor import current_actor
from core.audit.trail import record_created
from core.config import get_settings
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.persistence import delete_versioned, get_scoped
from core.scope import Scope
from register.conventions.models import Convention
from register.documents.filetypes import ACCEPTED, sniff
from register.documents.kinds import DocumentKind
from register.documents.models import Document, DocumentContent
from register.documents.readers import may_read, owner_ids, readable_engagement_ids
from register.documents.schemas import DocumentIn, DocumentOut, DocumentUpload
from register.enums import label
from register.organisations.models import Organisation
from register.subprocessors.models import SubprocessorEngagement

LABEL = "document"
FILE = ("body", "file")
NAME_MAX = 120


def document_out(doc: Document) -> DocumentOut:
    return DocumentOut(
        **{n: getattr(doc, n) for n in DocumentOut.model_fields if n != "kind_label"},
        kind_label=label(doc.kind),
    )


def stored_name(sent: str, extension: str) -> str:
    """The sent name without its folders, its extension replaced by the content's own; only
    letters, digits and « -_. » (a safe Content-Disposition and bundle path)."""
    base = re.split(r"[\\/]", sent or "")[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_stem).strip("-_")[:NAME_MAX]
    return f"{safe or 'document'}.{extension}"


def _size(limit: int) -> str:
    return f"{limit // 2**20} Mo" if limit >= 2**20 else f"{limit // 1024} Ko"


def checked_file(upload: DocumentUpload) -> tuple[str, str]:
    """(stored name, media type) of an acceptable file; 422 naming the file otherwise."""
    limit = get_settings().document_max_bytes
    if not upload.data:
        raise ValidationFailed.one(*FILE, msg="le fichier est vide")
    if len(upload.data) > limit:
        raise ValidationFailed.one(*FILE, msg=f"fichier trop volumineux (plus de {_size(limit)})")
    kind = sniff(upload.data)
    if kind is None:
        raise ValidationFailed.one(
            *FILE,
            msg=f"type de fichier refusé : son contenu n'est pas un {ACCEPTED} (quel que soit "
            "son nom)",
        )
    return stored_name(upload.file_name, kind.extension), kind.media_type


async def _target(
    scope: Scope, convention_id: UUID | None, engagement_id: UUID | None
) -> tuple[UUID | None, UUID | None]:
    """The convention or engagement the scope may write to (404 otherwise, as if absent)."""
    if (convention_id is None) == (engagement_id is None):
        raise ValidationFailed.one("body", msg="joindre à une convention ou à un sous-traitant")
    if convention_id is not None:
        convention = await get_scoped(
            Convention, scope=scope, obj_id=convention_id, label="convention"
        )
        return convention.id, None
    engagement = await get_scoped(
        SubprocessorEngagement,
        scope=scope,
        obj_id=engagement_id,
        label="sous-traitant ultérieur",
    )
    return None, engagement.id


async def _attaching_body(
    scope: Scope, convention_id: UUID | None, engagement_id: UUID | None, given: UUID | None
) -> UUID | None:
    """The body on whose behalf the file is attached (it alone removes it): the engagement's
    processor, or the convention's party the caller acts for (named when it acts for several;
    none for the instance's administrator who names none)."""
    owners = await owner_ids(convention_id, engagement_id)
    if given is not None:
        if given not in owners or not scope.allows(given):
            raise ValidationFailed.one(
                "body",
                "organisation_id",
                msg="organisme qui joint le document : une partie pour laquelle vous agissez",
            )
        return given
    mine = [o for o in owners if scope.allows(o)]
    if len(mine) == 1:
        return mine[0]
    if scope.is_unrestricted:
        return None
    raise ValidationFailed.one(
        "body",
        "organisation_id",
        msg="vous agissez pour plusieurs parties : précisez au nom de laquelle vous joignez "
        "ce document",
    )


async def attaching_choices(scope: Scope, convention_id: UUID) -> list[tuple[UUID, str]]:
    """The parties the caller may attach a convention's document for, by name."""
    mine = [o for o in await owner_ids(convention_id, None) if scope.allows(o)]
    rows = Organisation.filter(id__in=mine).order_by("legal_name")
    return list(await rows.values_list("id", "legal_name"))


async def add_document(
    *,
    scope: Scope,
    data: DocumentIn,
    upload: DocumentUpload,
    now: datetime,
    convention_id: UUID | None = None,
    engagement_id: UUID | None = None,
) -> DocumentOut:
    """Attach a file; `scope` is where the caller may edit the register."""
    convention_id, engagement_id = await _target(scope, convention_id, engagement_id)
    attached_by = await _attaching_body(scope, convention_id, engagement_id, data.organisation_id)
    file_name, media_type = checked_file(upload)
    async with in_transaction():
        doc = await Document.create(
            convention_id=convention_id,
            engagement_id=engagement_id,
            kind=data.kind,
            title=data.title,
            document_date=data.document_date,
            file_name=file_name,
            media_type=media_type,
            size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(),
            uploaded_by=current_actor(),
            uploaded_at=now,
            attached_by_id=attached_by,
        )
        await DocumentContent.create(
            document_id=doc.id, data=base64.b64encode(upload.data).decode("ascii")
        )
        await record_created(Document, doc.id)
    return document_out(doc)


async def _readable(doc: Document, scope: Scope) -> bool:
    return await may_read(scope, doc.convention_id, doc.engagement_id)


async def get_document(*, scope: Scope, document_id: UUID) -> Document:
    """A document the scope may read; another body's answers as a missing one."""
    doc = await Document.filter(id=document_id).first()
    if doc is None or not await _readable(doc, scope):
        raise NotFound(LABEL, document_id)
    return doc


async def documents_of(
    convention_id: UUID | None = None,
    kind: DocumentKind | None = None,
    *,
    engagement_id: UUID | None = None,
) -> list[Document]:
    """The documents attached to a convention (or an engagement), oldest first, of one kind
    if given. Unscoped: the caller has read the convention through its scope."""
    query = (
        Document.filter(convention_id=convention_id)
        if convention_id is not None
        else Document.filter(engagement_id=engagement_id)
    )
    if kind is not None:
        query = query.filter(kind=kind)
    return await query.order_by("uploaded_at", "id")


async def list_documents(
    *, scope: Scope, convention_id: UUID | None = None, engagement_id: UUID | None = None
) -> list[DocumentOut]:
    """The documents of a convention or engagement the scope may read (404 otherwise)."""
    if not await may_read(scope, convention_id, engagement_id):
        what = "convention" if convention_id is not None else "sous-traitant ultérieur"
        raise NotFound(what, convention_id or engagement_id)
    found = await documents_of(convention_id, engagement_id=engagement_id)
    return [document_out(d) for d in found]


async def content_of(doc: Document) -> bytes:
    """The original bytes; Conflict when the stored content no longer matches its digest
    (altered in the database, or moved from another row: it then does not decrypt)."""
    row = await DocumentContent.filter(document_id=doc.id).first()
    try:
        data = base64.b64decode(row.data if row else "", validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if hashlib.sha256(data).hexdigest() != doc.sha256:
        raise Conflict(
            f"contenu du document « {doc.title} » illisible : altéré dans la base ou déplacé"
        )
    return data


async def delete_document(*, scope: Scope, document_id: UUID, version: int | None) -> None:
    """Delete, journaled; `scope` is where the caller may edit the register. A reader who
    does not own the document (a controller, for an engagement) is told who may."""
    doc = await Document.filter(id=document_id).first()
    if doc is None:
        raise NotFound(LABEL, document_id)
    if not scope.allows_any(await owner_ids(doc.convention_id, doc.engagement_id)):
        if not await _readable(doc, scope):
            raise NotFound(LABEL, document_id)
        raise Forbidden(
            "suppression refusée : seul le sous-traitant qui a recruté ce sous-traitant "
            "ultérieur peut en retirer les documents"
        )
    if doc.attached_by_id is not None and not scope.allows(doc.attached_by_id):
        raise Forbidden(
            "suppression refusée : seul l'organisme qui a joint ce document peut le retirer"
        )
    await delete_versioned(Document, obj=doc, expected_version=version, label="le document")


@dataclass(frozen=True)
class HeldDocument:
    """A document with what holds it (a convention or an engagement), by id and name."""

    document: Document
    holder_id: UUID
    holder: str


async def documents_for_body(organisation_id: UUID) -> list[HeldDocument]:
    """Every document a body may read: its conventions', and those of the engagements it
    reads (readers.readable_engagement_ids), by holder then upload."""
    conventions = dict(
        await Convention.filter(parties__organisation_id=organisation_id).values_list("id", "title")
    )
    held = [
        HeldDocument(d, d.convention_id, conventions[d.convention_id])
        for d in await Document.filter(convention_id__in=list(conventions))
    ]
    engagement_ids = await Document.filter(engagement_id__not_isnull=True).values_list(
        "engagement_id", flat=True
    )
    readable = list(
        await readable_engagement_ids(Scope.of([organisation_id]), list(set(engagement_ids)))
    )
    names = dict(await SubprocessorEngagement.filter(id__in=readable).values_list("id", "name"))
    held += [
        HeldDocument(d, d.engagement_id, names[d.engagement_id])
        for d in await Document.filter(engagement_id__in=readable)
    ]
    return sorted(held, key=lambda h: (h.holder, str(h.holder_id), h.document.uploaded_at))
