"""Pages: the audit journal of a body (who changed what, when, the values before and after),
its verification, and the public key that checks the signed checkpoints. Read through
core.audit.journal, as api/routes/journal.py does."""

from functools import partial
from uuid import UUID

from fastapi import APIRouter, Request

from api.web.common import (
    Period,
    as_uuid,
    body_choices,
    forbidden,
    not_found,
    page_number,
    pages,
    read_period,
)
from api.web.forms import FormErrors
from api.web.journal_events import event_view
from api.web.journal_labels import ENTITY_CHOICES, ENTITY_LABELS, PROBLEM_LABELS
from api.web.render import page, path_for, principal_of
from core.accounts.roles import Permission
from core.audit import journal
from core.audit.signing import get_signing_key, key_id, public_key_pem
from core.errors import NotFound
from core.keys import KeyConfigError
from core.scope import Scope
from register.organisations import service as organisations

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
NO_ACCESS = "Votre rôle ne permet de lire le journal d'aucun organisme."


def _public_key() -> dict[str, str] | None:
    try:
        key = get_signing_key()
    except KeyConfigError:
        return None
    return {"key_id": key_id(key.public_key()), "pem": public_key_pem(key)}


# Routes -------------------------------------------------------------------------------------


async def _readable_body(scope: Scope, organisation_id: UUID) -> bool:
    """A body of the scope; a deleted body's journal stays readable by those it was in scope
    for (as the API)."""
    if scope.allows(organisation_id) and await journal.has_events(organisation_id):
        return True
    try:
        await organisations.get_organisation(scope=scope, organisation_id=organisation_id)
    except NotFound:
        return False
    return True


def _filters(values: dict[str, str | None]) -> tuple[FormErrors, Period]:
    """The filters typed, and the refusal of each one that cannot be read."""
    errors = FormErrors()
    if values["type"] and values["type"] not in ENTITY_LABELS:
        errors.by_field["type"] = "type d'objet inconnu"
    period = read_period(values["debut"], values["fin"], ("debut", "fin"), errors)
    return errors, period


async def _events_page(organisation_id: UUID, filters: journal.JournalFilters, number: int):
    return await journal.list_events(
        organisation_id, filters=filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )


@router.get("/journal", name="journal.index")
async def journal_page(request: Request):
    scope = principal_of(request).scope(Permission.READ_JOURNAL)
    bodies = await body_choices(scope)
    if not bodies:
        return forbidden(request, NO_ACCESS)
    query = request.query_params
    values = {k: query.get(k) or None for k in ("organisme", "type", "debut", "fin")}
    values["organisme"] = values["organisme"] or bodies[0]["value"]
    organisation_id = as_uuid(values["organisme"])
    if organisation_id is None or not await _readable_body(scope, organisation_id):
        return not_found(request)
    errors, period = _filters(values)
    number = page_number(query.get("page"))
    events, total = [], 0
    if not errors:
        filters = journal.JournalFilters(
            entity_type=values["type"], since=period.since, until=period.until
        )
        found = await _events_page(organisation_id, filters, number)
        if found.total and not found.items:  # past the end: the last page
            number = (found.total + PAGE_SIZE - 1) // PAGE_SIZE
            found = await _events_page(organisation_id, filters, number)
        events, total = (
            [event_view(e, partial(path_for, request)) for e in found.items],
            found.total,
        )
    kept = {k: v for k, v in values.items() if v}
    pager = pages(path_for(request, "journal.index"), kept, number, total, PAGE_SIZE)
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
        last=pager.last,
        previous_href=pager.previous,
        next_href=pager.next,
    )


@router.get("/journal/verification", name="journal.verification")
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
