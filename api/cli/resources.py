"""`rgpd create|update|delete RESOURCE`, the lists (`organisations`, `activities`, `breaches`)
and the art. 30 records (`rgpd record controller|processor`).

Every command goes through the same services as the API, so a record kept from the
terminal obeys the same rules (validation, versions, scope).
"""

import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import typer
from pydantic import BaseModel

from api.cli.common import CLI_SCOPE, organisation_id, run
from core.french import plural
from core.validation import validate_shape
from core.validators import RESERVED_MESSAGE, reserved_text_path
from register import records
from register.activities import service as activities
from register.activities.schemas import ActivityIn
from register.activities.service import ActivityFilters
from register.conventions import service as conventions
from register.conventions.schemas import ConventionIn
from register.measures import service as measures
from register.measures.schemas import MeasureIn
from register.organisations import service as organisations
from register.organisations.models import Organisation
from register.organisations.schemas import ContactIn, DpoIn, OrganisationIn
from register.subprocessors import service as subprocessors
from register.subprocessors.schemas import EngagementIn

record_app = typer.Typer(help="Registres calculés (art. 30)", no_args_is_help=True)


@dataclass(frozen=True)
class Resource:
    shape: type[BaseModel]
    create: Callable[..., Awaitable[Any]]
    update: Callable[..., Awaitable[Any]]
    delete: Callable[..., Awaitable[Any]]
    id_arg: str


async def _update_convention(**kwargs: Any) -> Any:
    # The command line acts for every body: a change is never only proposed there.
    convention, _proposed = await conventions.update_convention(**kwargs)
    return convention


RESOURCES: dict[str, Resource] = {
    "organisation": Resource(
        OrganisationIn,
        organisations.create_organisation,
        organisations.update_organisation,
        organisations.delete_organisation,
        "organisation_id",
    ),
    "dpo": Resource(
        DpoIn,
        organisations.create_dpo,
        organisations.update_dpo,
        organisations.delete_dpo,
        "dpo_id",
    ),
    "contact": Resource(
        ContactIn,
        organisations.create_contact,
        organisations.update_contact,
        organisations.delete_contact,
        "contact_id",
    ),
    "convention": Resource(
        ConventionIn,
        conventions.create_convention,
        _update_convention,
        conventions.delete_convention,
        "convention_id",
    ),
    "activity": Resource(
        ActivityIn,
        activities.create_activity,
        activities.update_activity,
        activities.delete_activity,
        "activity_id",
    ),
    "subprocessor": Resource(
        EngagementIn,
        subprocessors.create_engagement,
        subprocessors.update_engagement,
        subprocessors.delete_engagement,
        "engagement_id",
    ),
    "measure": Resource(
        MeasureIn,
        measures.create_measure,
        measures.update_measure,
        measures.delete_measure,
        "measure_id",
    ),
}


def _print_json(value: Any) -> None:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _read_json(path: Path) -> Any:
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        typer.echo(f"erreur : JSON illisible ({exc})", err=True)
        raise typer.Exit(2) from None
    found = reserved_text_path(payload)  # the rule every request obeys (api.input_guard)
    if found is not None:
        typer.echo(f"erreur : {'.'.join(map(str, found))} : {RESERVED_MESSAGE}", err=True)
        raise typer.Exit(2)
    return payload


def _resource(name: str) -> Resource:
    if name not in RESOURCES:
        typer.echo(
            f"erreur : ressource inconnue « {name} » ; choisir parmi {', '.join(RESOURCES)}",
            err=True,
        )
        raise typer.Exit(2)
    return RESOURCES[name]


def create(
    resource: str, file: Path = typer.Option(..., "--file", "-f", help="JSON file, or - for stdin")
) -> None:
    """Create a record: rgpd create organisation -f org.json"""
    res = _resource(resource)
    payload = _read_json(file)

    async def work():
        return await res.create(scope=CLI_SCOPE, data=validate_shape(res.shape, payload))

    _print_json(run(work))


def update(
    resource: str,
    record_id: UUID,
    version: int = typer.Option(...),
    file: Path = typer.Option(..., "--file", "-f"),
) -> None:
    """Change fields of a record at a known version (stale versions are refused)."""
    res = _resource(resource)
    patch = _read_json(file)
    _print_json(
        run(
            lambda: res.update(
                scope=CLI_SCOPE, **{res.id_arg: record_id}, version=version, patch=patch
            )
        )
    )


def delete(resource: str, record_id: UUID, version: int | None = None) -> None:
    """Delete a record (refused while other records use it)."""
    res = _resource(resource)
    run(lambda: res.delete(scope=CLI_SCOPE, **{res.id_arg: record_id}, version=version))
    typer.echo("supprimé")


def list_organisations(q: str | None = None) -> None:
    """List organisations."""

    async def work():
        return await organisations.list_organisations(scope=CLI_SCOPE, limit=10_000, offset=0, q=q)

    page = run(work)
    for org in page.items:
        typer.echo(f"{org.id}  {org.siren or '—':9}  {org.kind.value:10}  {org.legal_name}")
    typer.echo(plural(page.total, "organisme"))


def list_activities(
    organisation: str | None = typer.Option(None, "--org"),
    q: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> None:
    """List processing activities, with a search and filters."""

    async def work():
        controller = await organisation_id(organisation) if organisation else None
        filters = ActivityFilters(controller_id=controller, q=q, status=status)
        return await activities.list_activities(
            scope=CLI_SCOPE, filters=filters, limit=limit, offset=0
        )

    page = run(work)
    for activity in page.items:
        flag = " (incomplète)" if activity.missing_fields else ""
        typer.echo(f"{activity.id}  {activity.status.value:8}  {activity.name}{flag}")
    typer.echo(plural(page.total, "activité"))


def list_breaches(
    organisation: str | None = typer.Option(None, "--org", help="Controller: id, SIREN or name"),
    include_closed: bool = typer.Option(False, "--all", help="Closed breaches too"),
) -> None:
    """Open breaches with the time left on each clock (Europe/Paris)."""
    from breach.breaches import service as breaches
    from core.clock import utcnow

    async def work():
        controller = await organisation_id(organisation) if organisation else None
        return await breaches.list_breaches(
            scope=CLI_SCOPE,
            limit=10_000,
            offset=0,
            now=utcnow(),
            controller_id=controller,
            open_only=not include_closed,
        )

    page = run(work)
    names = run(_organisation_names)
    for breach in page.items:
        typer.echo(f"{breach.ref}  {breach.status.value:12} {names.get(breach.controller_id, '?')}")
        if not breach.countdowns:
            typer.echo("    aucune échéance en cours")
        for clock in breach.countdowns:
            mark = "EN RETARD" if clock.overdue else "         "
            typer.echo(f"    {mark} {clock.label} : {clock.display} — échéance {clock.due_local}")
    typer.echo(plural(page.total, "violation"))


async def _organisation_names() -> dict[UUID, str]:
    return dict(await Organisation.all().values_list("id", "legal_name"))


@record_app.command("controller")
def controller_record(organisation: str) -> None:
    """Art. 30(1) record of an organisation (id, SIREN or name), as JSON."""

    async def work():
        return await records.controller_record(
            scope=CLI_SCOPE, organisation_id=await organisation_id(organisation)
        )

    _print_json(run(work))


@record_app.command("processor")
def processor_record(organisation: str) -> None:
    """Art. 30(2) record of an organisation (id, SIREN or name), as JSON."""

    async def work():
        return await records.processor_record(
            scope=CLI_SCOPE, organisation_id=await organisation_id(organisation)
        )

    _print_json(run(work))
