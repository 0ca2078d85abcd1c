"""The record's rows read in one SQL statement per batch and built as plain strings
(register.export.activity_batches, activity_cells) say exactly what the validated API shapes
said: the reference below is the previous row builder, from `activities_out`."""

from uuid import UUID

import pytest

from core.scope import Scope
from register.activities.models import ProcessingActivity
from register.activities.schemas import ActivityOut
from register.activities.service import activities_out
from register.enums import label
from register.export import activity_batches, cells
from register.export.activity_cells import MISSING_LABELS
from register.export.records import (
    ACTIVITY_COLUMNS,
    _convention_lookups,
    _person,
    controller_activity_rows,
    controller_record_document,
)
from register.measures.models import SecurityMeasure
from register.organisations.models import Organisation
from register.records import party_card
from tests.exports.test_export_api import register  # noqa: F401  (the rich register fixture)
from tests.factories import make_activity, make_measure, make_org
from tests.queries import counted_queries


async def reference_rows(controller_id: UUID) -> list[dict]:
    """The rows as the export built them before: models, `ActivityOut`, one lookup each."""
    org = await Organisation.get(id=controller_id)
    card = await party_card(org)
    titles, chains = await _convention_lookups(controller_id)
    activities = await ProcessingActivity.filter(controller_id=controller_id).order_by("name", "id")
    rows = []
    for a in await activities_out(list(activities)):
        rows.append(await _reference_row(a, card, titles, chains))
    return rows


async def _reference_row(a: ActivityOut, card, titles, chains) -> dict:
    def chained(lookup: dict) -> list[str]:
        return [line for i in a.convention_ids for line in lookup.get(str(i), [])]

    joint = dict(
        await Organisation.filter(id__in=a.joint_controller_ids).values_list("id", "legal_name")
    )
    measures = dict(
        await SecurityMeasure.filter(id__in=a.security_measure_ids).values_list("id", "title")
    )
    return {
        "ref": cells.text(a.ref),
        "name": a.name,
        "status": label(a.status),
        "created_at": cells.moment(a.created_at),
        "updated_at": cells.moment(a.updated_at),
        "controller": card.legal_name,
        "dpo": _person(card.dpo_name, card.dpo_email, card.dpo_phone),
        "representative": cells.text(a.representative),
        "joint_controllers": cells.lines(joint[i] for i in a.joint_controller_ids),
        "software": cells.text(a.software),
        "description": cells.text(a.description),
        "purposes": cells.lines(a.purposes),
        "legal_basis": label(a.legal_basis),
        "legal_basis_detail": cells.text(a.legal_basis_detail),
        "performed_in_public_tasks": cells.yes_no(a.performed_in_public_tasks),
        "data_subject_categories": cells.labels(a.data_subject_categories),
        "data_subject_details": cells.text(a.data_subject_details),
        "data_categories": cells.labels(a.data_categories),
        "data_category_details": cells.text(a.data_category_details),
        "special_categories": cells.labels(a.special_categories),
        "art9_condition": cells.text(a.art9_condition),
        "art10_basis": cells.text(a.art10_basis),
        "retention": cells.lines(cells.retention_rule(r) for r in a.retention),
        "recipients": cells.lines(cells.recipient(r) for r in a.recipients),
        "conventions": cells.lines(titles.get(str(i), str(i)) for i in a.convention_ids),
        "processors": cells.lines(chained(chains.processors)),
        "transfers": cells.lines(cells.transfer(t) for t in a.transfers),
        "chain_transfers": cells.lines(chained(chains.transfers)),
        "collection_method": cells.enum_label(a.collection_method),
        "security_measures": cells.lines(measures[i] for i in a.security_measure_ids),
        "dpia_criteria": cells.labels(a.dpia_criteria),
        "dpia_required": cells.yes_no(a.dpia_required),
        "dpia_ref": cells.text(a.dpia_ref),
        "next_review": cells.day(a.next_review),
        "missing_fields": cells.lines(
            [*(MISSING_LABELS.get(f, f) for f in a.missing_fields), *chained(chains.missing)]
        ),
        "id": str(a.id),
    }


async def exported_rows(controller_id: UUID) -> list[dict]:
    card = await party_card(await Organisation.get(id=controller_id))
    return [row async for row in controller_activity_rows(controller_id, card)]


async def test_rows_say_what_the_validated_shapes_say(db, client, register):  # noqa: F811
    commune = UUID(register["commune"]["id"])
    # Two more, so the links, the criteria and the lists vary from row to row.
    measure = await make_measure(client, organisation=register["commune"], title="Journaux")
    await make_activity(
        client,
        controller=register["commune"],
        name="Vidéoprotection",
        dpia_criteria=["systematic_monitoring", "sensitive_data", "large_scale"],
        security_measure_ids=[measure["id"], register["rich"]["security_measure_ids"][0]],
        joint_controller_ids=[register["partner"]["id"]],
        representative="Mme la Maire",
    )
    await make_activity(client, controller=register["commune"], name="Œuvres sociales (bis)")

    expected = await reference_rows(commune)
    rows = await exported_rows(commune)

    assert len(rows) == 5  # the premise: the fixture's three, then these two
    assert [list(r) for r in rows] == [[c.key for c in ACTIVITY_COLUMNS]] * len(rows)
    assert rows == expected
    by_name = {r["name"]: r for r in rows}
    assert by_name["Vidéoprotection"]["dpia_required"] == "Oui"
    assert by_name["Vidéoprotection"]["security_measures"].count("\n") == 1
    assert by_name["État civil et élections"]["processors"]  # a convention's processors


async def test_rows_keep_the_order_across_batches(db, client, monkeypatch):
    monkeypatch.setattr(activity_batches, "BATCH", 2)
    body = await make_org(client, legal_name="Commune de Sète")
    # Equal names: the id breaks the tie, and a batch may end between them.
    for name in ["Cantine", "Archives", "Cantine", "Cantine", "Bibliothèque"]:
        await make_activity(client, controller=body, name=name)

    rows = await exported_rows(UUID(body["id"]))

    assert [r["name"] for r in rows] == [
        "Archives",
        "Bibliothèque",
        "Cantine",
        "Cantine",
        "Cantine",
    ]
    assert rows == await reference_rows(UUID(body["id"]))


async def _queries_for(client, count: int, existing: list[dict], body: dict) -> int:
    measure = await make_measure(client, organisation=body, title=f"Mesure {count}")
    partner = await make_org(client, legal_name=f"Partenaire {count}")
    while len(existing) < count:
        existing.append(
            await make_activity(
                client,
                controller=body,
                name=f"Traitement {len(existing):03d}",
                security_measure_ids=[measure["id"]],
                joint_controller_ids=[partner["id"]],
            )
        )
    doc = await controller_record_document(scope=Scope.everything(), organisation_id=body["id"])
    (sheet,) = doc.sheets
    async with counted_queries() as statements:
        rows = [row async for row in sheet.rows()]
    assert len(rows) == count  # the premise: every activity was read
    return len(statements)


@pytest.mark.parametrize("batch", [5])
async def test_an_export_costs_one_query_per_batch_whatever_its_links(
    db, client, monkeypatch, batch
):
    monkeypatch.setattr(activity_batches, "BATCH", batch)
    body = await make_org(client, legal_name="Commune de Millau")
    made: list[dict] = []

    one = await _queries_for(client, 1, made, body)
    three = await _queries_for(client, 3, made, body)
    two_batches = await _queries_for(client, batch + 2, made, body)
    three_batches = await _queries_for(client, 2 * batch + 2, made, body)

    assert one == three  # within one batch, the rows and their links cost nothing more
    assert two_batches - one == 1  # and each further batch, one statement
    assert three_batches - two_batches == 1
