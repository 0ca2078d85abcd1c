"""The evidence bundle for an auditor: for each organisation its records (art. 30), its breach
register (art. 33(5)) for a period, every notification as it was sent and its audit journal,
in one ZIP whose manifest of SHA-256 digests the instance signs (core.evidence). The bundle
also publishes the signed heads of its bodies' chains (`ancre-journal.jsonl`, as the anchor
beside the signing key holds them): an auditor who keeps it can later check, with
`rgpd audit verify --anchor`, that the journal was not truncated or rewritten since.

The ZIP is written file by file into `out`: documents go through a spooled temporary file
(the writers may seek), the rest straight into the archive, every file hashed on the way.
"""

import hashlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from breach.breaches.schemas import BreachOut, NotificationOut
from breach.breaches.service import breaches_out
from breach.enums import NotificationPhase, NotificationRecipient
from breach.export import breach_register_document, register_batches
from core.actor import current_actor
from core.audit.anchor import Head, anchor_path, head_line, latest_heads, read_anchor
from core.audit.canonical import timestamp
from core.audit.chain import chain_of, checkpoint_message
from core.audit.journal import JournalFilters, export_events
from core.audit.models import AuditCheckpoint
from core.audit.signing import key_id
from core.clock import to_local
from core.config import get_settings
from core.errors import Conflict
from core.evidence import (
    MANIFEST,
    PUBLIC_KEY,
    SIGNATURE,
    EvidenceZip,
    public_key_file,
    verification_steps,
)
from core.french import agree, plural
from core.scope import Scope
from core.tabular.document import Document, ExportFormat
from core.tabular.writers import write_document
from core.text import fold
from register.conventions.models import ConventionParty
from register.documents.service import HeldDocument, content_of, documents_for_body
from register.enums import label
from register.export.records import controller_record_document, processor_record_document
from register.organisations.models import Organisation
from register.organisations.service import get_organisation
from register.records import PROCESSOR_ROLES
from register.subprocessors.models import SubprocessorEngagement

README = "LISEZMOI.txt"
CONTROLLER_RECORD = "registre-responsable"
PROCESSOR_RECORD = "registre-sous-traitant"
BREACH_REGISTER = "registre-violations"
NOTIFICATIONS = "notifications"
JOURNAL = "journal.jsonl"
CHECKPOINTS = "points-de-controle.jsonl"
HEADS = "ancre-journal.jsonl"
DOCUMENTS = "documents"  # the files attached to conventions and engagements
DOCUMENT_LIST = "documents.json"  # each one's digest, title, kind, date, holder
FORMATS = (ExportFormat.JSON, ExportFormat.PDF)
PUBLIC_KEY_ROUTE = "/api/v1/journal/public-key"

RECIPIENT_FILE = {
    NotificationRecipient.CNIL: "cnil",
    NotificationRecipient.DATA_SUBJECTS: "personnes",
    NotificationRecipient.CONTROLLER: "responsable",
}
PHASE_FILE = {
    NotificationPhase.INITIAL: "initiale",
    NotificationPhase.COMPLEMENTARY: "complementaire",
    NotificationPhase.COMPLETE: "complete",
}


@dataclass
class OrganisationPart:
    id: UUID
    name: str
    folder: str
    processor: bool = False
    breaches: int = 0
    notifications: int = 0  # written as sent
    notifications_without_text: int = 0  # listed in the breach register only
    events: int = 0
    checkpoints: int = 0
    documents: int = 0  # written in DOCUMENTS/
    documents_unreadable: int = 0  # listed, their content no longer matching its digest
    head: Head | None = None  # the chain's last signed head, published in HEADS


@dataclass
class BundleSummary:
    files: int  # listed in the manifest
    key_id: str
    manifest_sha256: str
    organisations: list[OrganisationPart] = field(default_factory=list)


def folder_name(org: Organisation) -> str:
    """The organisation's folder: a slug of its name and the start of its id, e.g.
    "commune-de-vitry-sur-seine-3f2a9c1e"."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(org.legal_name)).strip("-")[:60].strip("-")
    return f"{slug or 'organisme'}-{str(org.id)[:8]}"


def _safe_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "sans-reference"


def journal_line(event: dict) -> bytes:
    """One exported event, as `rgpd audit export` prints it."""
    return json.dumps(event, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def checkpoint_dict(mark: AuditCheckpoint) -> dict:
    """A signed checkpoint, with the exact bytes its signature covers (`signed_message`)."""
    return {
        "chain": mark.chain,
        "seq": mark.seq,
        "hash": mark.hash,
        "signed_at": timestamp(mark.signed_at),
        "key_id": mark.key_id,
        "signature": mark.signature,
        "signed_message": checkpoint_message(
            chain=mark.chain,
            seq=mark.seq,
            hash=mark.hash,
            signed_at=mark.signed_at,
            key_id=mark.key_id,
        ).decode("utf-8"),
    }


def notification_text(breach: BreachOut, n: NotificationOut) -> str:
    """A notification as sent: its heading (subject, date in Paris time, channel, CNIL file
    number), then its body unchanged."""
    lines = [
        f"Objet : {n.message_subject or ''}",
        f"Violation : {breach.ref}",
        f"Destinataire : {label(n.recipient)}",
        f"Phase : {label(n.phase)}",
        f"Date d'envoi : {to_local(n.sent_at).strftime('%d/%m/%Y %H:%M:%S')} (heure de Paris)",
        f"Canal : {label(n.channel)}",
        f"Numéro CNIL : {n.external_ref or '—'}",
    ]
    if n.late_reason:
        lines.append(f"Motifs du retard : {n.late_reason}")
    return "\n".join(lines) + "\n\n" + (n.message_body or "")


async def _period_breaches(
    organisation_id: UUID, since: datetime | None, until: datetime | None, now: datetime
) -> AsyncIterator[BreachOut]:
    """The breaches of the breach register for the period (the export's batches), with
    their notifications."""
    async for batch in register_batches(organisation_id, since=since, until=until):
        for shown in await breaches_out(batch, now=now):
            yield shown


async def _document(bundle: EvidenceZip, folder: str, name: str, doc: Document) -> None:
    for fmt in FORMATS:
        with bundle.spooled(f"{folder}/{name}.{fmt.value}") as spool:
            await write_document(doc, fmt, spool)


async def _organisation(
    bundle: EvidenceZip,
    part: OrganisationPart,
    *,
    scope: Scope,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
) -> None:
    folder = part.folder
    await _document(
        bundle,
        folder,
        CONTROLLER_RECORD,
        await controller_record_document(scope=scope, organisation_id=part.id),
    )
    # A processor under a convention, or the sub-processor of another body (its art. 30(2)
    # record then holds only the controllers it may work for: register.subprocessors.working).
    part.processor = (
        await ConventionParty.in_force()
        .filter(organisation_id=part.id, role__in=list(PROCESSOR_ROLES))
        .exists()
    ) or await SubprocessorEngagement.filter(subprocessor_org_id=part.id).exists()
    if part.processor:
        await _document(
            bundle,
            folder,
            PROCESSOR_RECORD,
            await processor_record_document(scope=scope, organisation_id=part.id),
        )
    await _document(
        bundle,
        folder,
        BREACH_REGISTER,
        await breach_register_document(
            scope=scope, organisation_id=part.id, now=now, since=since, until=until
        ),
    )

    async for breach in _period_breaches(part.id, since, until, now):
        part.breaches += 1
        for number, n in enumerate(breach.notifications, start=1):
            if n.message_body is None:
                part.notifications_without_text += 1
                continue
            name = f"{number:02d}-{RECIPIENT_FILE[n.recipient]}-{PHASE_FILE[n.phase]}.txt"
            path = f"{folder}/{NOTIFICATIONS}/{_safe_part(breach.ref)}/{name}"
            bundle.write(path, notification_text(breach, n).encode("utf-8"))
            part.notifications += 1

    await _documents(bundle, part)

    filters = JournalFilters(since=since, until=until)
    first = last = None
    with bundle.open(f"{folder}/{JOURNAL}", large=True) as out:
        async for event in export_events(part.id, filters=filters):
            out.write(journal_line(event))
            part.events += 1
            first = event["seq"] if first is None else first
            last = event["seq"]
    if first is None:
        return
    marks = await AuditCheckpoint.filter(
        chain=chain_of(part.id), seq__gte=first, seq__lte=last
    ).order_by("seq", "signed_at")
    if marks:  # no empty file: the LISEZMOI says there is none
        with bundle.open(f"{folder}/{CHECKPOINTS}") as out:
            for mark in marks:
                out.write(journal_line(checkpoint_dict(mark)))
        part.checkpoints = len(marks)


def _document_entry(held: HeldDocument, path: str | None) -> dict:
    doc = held.document
    return {
        "path": path,
        "title": doc.title,
        "kind": doc.kind.value,
        "kind_label": label(doc.kind),
        "document_date": doc.document_date.isoformat() if doc.document_date else None,
        "file_name": doc.file_name,
        "media_type": doc.media_type,
        "size": doc.size,
        "sha256": doc.sha256,
        "attached_to": {
            "type": "convention" if doc.convention_id else "subprocessor_engagement",
            "id": str(held.holder_id),
            "name": held.holder,
        },
        "uploaded_by": doc.uploaded_by,
        "uploaded_at": timestamp(doc.uploaded_at),
    }


async def _documents(bundle: EvidenceZip, part: OrganisationPart) -> None:
    """Each document the body reads, under DOCUMENTS/<holder>/, and their list with the
    digests taken at upload: the manifest then covers the files, so an altered one fails."""
    held = await documents_for_body(part.id)
    if not held:  # no empty file: the LISEZMOI says there is none
        return
    entries = []
    for number, item in enumerate(held, start=1):
        holder = f"{_safe_part(fold(item.holder))[:60]}-{str(item.holder_id)[:8]}"
        path = f"{part.folder}/{DOCUMENTS}/{holder}/{number:02d}-{item.document.file_name}"
        try:
            data = await content_of(item.document)
        except Conflict:  # listed without its file: the LISEZMOI says how many
            part.documents_unreadable += 1
            entries.append(_document_entry(item, None))
            continue
        bundle.write(path, data)
        part.documents += 1
        entries.append(_document_entry(item, path))
    text = json.dumps(entries, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    bundle.write(f"{part.folder}/{DOCUMENT_LIST}", text.encode("utf-8"))


async def signed_heads(parts: list[OrganisationPart]) -> None:
    """Each body's last signed head: from the anchor (outside the database) when it holds one
    for the chain, else from the chain's last checkpoint in the database."""
    path = anchor_path()
    anchored = latest_heads(read_anchor(path).heads) if path and path.exists() else {}
    for part in parts:
        chain = chain_of(part.id)
        part.head = anchored.get(chain)
        if part.head is None:
            mark = await AuditCheckpoint.filter(chain=chain).order_by("-seq", "-signed_at").first()
            if mark is not None:
                part.head = Head(
                    chain=mark.chain,
                    seq=mark.seq,
                    hash=mark.hash,
                    signed_at=mark.signed_at,
                    key_id=mark.key_id,
                    signature=mark.signature,
                )


def _write_heads(bundle: EvidenceZip, parts: list[OrganisationPart]) -> None:
    heads = [part.head for part in parts if part.head is not None]
    if heads:  # no empty file: the LISEZMOI says there is none
        bundle.write(HEADS, b"".join(head_line(head) for head in heads))


def _heads_text(parts: list[OrganisationPart]) -> list[str]:
    if not any(part.head for part in parts):
        return [
            f"{HEADS} : absent, aucune tête de journal n'est encore signée pour ces organismes.",
        ]
    lines = [
        f"{HEADS} : la dernière tête signée de la chaîne du journal de chaque organisme",
        "  (chaîne, n°, empreinte, date, clé, signature Ed25519), comme l'ancre de l'instance",
        "  la garde hors de la base. Conservez ce lot : plus tard, dans le journal.jsonl d'un lot",
        "  plus récent, l'événement du même n° doit porter la même empreinte (hash) ; et sur",
        f"  l'instance, « rgpd audit verify --anchor {HEADS} --public-key",
        "  cle-publique-publiee.pem » dit si le journal a été tronqué, supprimé ou réécrit.",
    ]
    for part in parts:
        if part.head is not None:
            lines.append(
                f"  {part.folder} : n° {part.head.seq}, tête signée le "
                f"{_instant(part.head.signed_at)} (heure de Paris)"
            )
    return lines


def _instant(value: datetime) -> str:
    return to_local(value).strftime("%d/%m/%Y %H:%M:%S")


def _documents_text(part: OrganisationPart) -> list[str]:
    if not part.documents and not part.documents_unreadable:
        return []
    lines = [
        f"  {DOCUMENTS}/<convention ou sous-traitant>/ : "
        f"{plural(part.documents, 'document joint', 'documents joints')} aux conventions et aux "
        "sous-traitants ultérieurs (conventions signées, annexes, preuves de destruction, "
        "rapports d'audit), tels que déposés",
        f"  {DOCUMENT_LIST} : la liste de ces documents (titre, nature, date, organisme ou "
        "convention, qui les a déposés et quand) avec l'empreinte SHA-256 prise au dépôt, "
        "que sha256sum retrouve sur chaque fichier",
    ]
    if part.documents_unreadable:
        lines.append(
            f"  {plural(part.documents_unreadable, 'document listé', 'documents listés')} sans "
            "fichier (path vide) : son contenu ne correspond plus à l'empreinte prise au dépôt"
        )
    return lines


SIGNED = "points de contrôle signés"
AS_SENT = ("notification telle qu'envoyée", "notifications telles qu'envoyées")


def _without_text(count: int) -> str:
    """The notifications recorded whose text was not kept, agreeing with their number."""
    if count < 2:
        return (
            f"{count} notification enregistrée sans texte conservé : elle figure au registre des "
            "violations, son numéro manque dans"
        )
    return (
        f"{count} notifications enregistrées sans texte conservé : elles figurent au registre "
        "des violations, leur numéro manque dans"
    )


def readme(
    parts: list[OrganisationPart],
    *,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    actor: str,
    kid: str,
) -> str:
    if since or until:
        start = _instant(since) if since else "début"
        end = _instant(until) if until else "moment de la génération"
        period_text = f"du {start} au {end} (exclu), heure de Paris"
    else:
        period_text = "toute l'histoire des organismes (aucune période demandée)"
    public_key_url = get_settings().base_url.rstrip("/") + PUBLIC_KEY_ROUTE
    lines = [
        "LOT DE PREUVES — registre RGPD",
        "==============================",
        "",
        f"Généré le {_instant(now)} (heure de Paris) par {actor}.",
        f"Période : {period_text}.",
        "Les registres des traitements (art. 30) sont ceux du jour de la génération ; le",
        "registre des violations retient les incidents détectés dans la période ; le journal",
        "d'audit, les événements écrits dans la période.",
        "",
        "Organismes",
        "----------",
    ]
    for part in parts:
        lines += [
            "",
            f"{part.folder}/ : {part.name} (identifiant {part.id})",
            f"  {CONTROLLER_RECORD}.json et .pdf : registre du responsable de traitement "
            "(art. 30.1)",
        ]
        if part.processor:
            lines.append(
                f"  {PROCESSOR_RECORD}.json et .pdf : registre du sous-traitant (art. 30.2)"
            )
        lines += [
            f"  {BREACH_REGISTER}.json et .pdf : registre des violations (art. 33.5), "
            f"{plural(part.breaches, 'violation')}",
        ]
        if part.notifications:
            lines.append(
                f"  {NOTIFICATIONS}/<référence de la violation>/ : "
                f"{plural(part.notifications, *AS_SENT)} "
                "(objet, date d'envoi, canal, numéro CNIL, puis le texte), "
                f"{agree(part.notifications, 'numérotée')} dans l'ordre d'envoi"
            )
        if part.notifications_without_text:
            lines.append(f"  {_without_text(part.notifications_without_text)} {NOTIFICATIONS}/")
        lines += _documents_text(part)
        lines += [
            f"  {JOURNAL} : {plural(part.events, 'événement')} du journal d'audit, un objet JSON "
            "par ligne, comme « rgpd audit export » les écrit (empreintes comprises)",
            f"  {CHECKPOINTS} : {plural(part.checkpoints, 'point de contrôle signé', SIGNED)} par "
            f"l'instance qui {agree(part.checkpoints, 'tombe', 'tombent')} sur un événement du "
            "journal ci-dessus ; chacun donne le message signé "
            "(signed_message) et sa signature Ed25519 en base64"
            if part.checkpoints
            else "  aucun point de contrôle signé ne tombe sur un événement de la période : le "
            "journal n'est garanti que par la signature du lot",
        ]
    lines += [
        "",
        "Fichiers communs",
        "----------------",
        f"{README} : ce fichier.",
        f"{PUBLIC_KEY} : copie de la clé publique de l'instance ({kid}), pour commodité.",
        f"{MANIFEST} : l'empreinte SHA-256 de chaque fichier du lot (format de sha256sum).",
        f"{SIGNATURE} : la signature Ed25519 de {MANIFEST} par l'instance.",
        *_heads_text(parts),
        "",
        "Vérifier le lot",
        "---------------",
        "",
        "1. Se procurer la clé publique publiée par le service, pas celle du lot : la copie",
        f"   {PUBLIC_KEY} a pu être remplacée avec le reste. Elle est publiée à l'adresse",
        f"   {public_key_url}",
        "   (champ public_key_pem ; compte ayant accès au journal d'audit). L'enregistrer dans",
        "   cle-publique-publiee.pem, à côté de lot.zip (le lot renommé ainsi), et la comparer",
        f"   à {PUBLIC_KEY} : elles doivent être identiques.",
        "",
        "2. Vérifier avec OpenSSL 3.0 ou plus récent et sha256sum (GNU coreutils) :",
        "",
        *(f"   {step}" for step in verification_steps()),
        "",
        "   OpenSSL doit afficher « Signature Verified Successfully » et sha256sum « OK » pour",
        "   chaque fichier ; le moindre octet changé fait échouer l'une ou l'autre commande.",
        "",
        "3. sha256sum ne voit pas un fichier ajouté au lot. Dans bash, depuis le dossier lot :",
        "",
        f"   {verification_steps(extra=True)[-1]}",
        "",
        "   n'affiche rien quand le lot ne contient que les fichiers du manifeste.",
        "",
        "Avec registre-rgpd installé, « rgpd bundle verify lot.zip --public-key",
        "cle-publique-publiee.pem » fait ces trois vérifications.",
        "",
    ]
    return "\n".join(lines)


async def build_bundle(
    *,
    scope: Scope,
    organisation_ids: list[UUID],
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    out: BinaryIO,
    key: Ed25519PrivateKey,
) -> BundleSummary:
    """Write the signed bundle of these organisations into `out` (a ZIP). Every organisation
    must be in `scope`: otherwise NotFound, before a byte is written."""
    parts: list[OrganisationPart] = []
    for organisation_id in dict.fromkeys(organisation_ids):
        org = await get_organisation(scope=scope, organisation_id=organisation_id)
        parts.append(OrganisationPart(id=org.id, name=org.legal_name, folder=folder_name(org)))

    public_key = key.public_key()
    kid = key_id(public_key)
    bundle = EvidenceZip(out)
    try:
        for part in parts:
            await _organisation(bundle, part, scope=scope, since=since, until=until, now=now)
        await signed_heads(parts)
        _write_heads(bundle, parts)
        bundle.write(PUBLIC_KEY, public_key_file(public_key))
        text = readme(parts, since=since, until=until, now=now, actor=current_actor(), kid=kid)
        bundle.write(README, text.encode("utf-8"))
        manifest = bundle.finish(key)
    except BaseException:
        bundle.abort()
        raise
    return BundleSummary(
        files=len(bundle.digests),
        key_id=kid,
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
        organisations=parts,
    )
