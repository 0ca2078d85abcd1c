"""Every body in a chain has an art. 30(2) record for what it does on behalf of others: SIIM94,
hired by the EPT under the GOSB–Juvisy convention it is no party to, processes Juvisy's data."""

import json

import pytest

from core.errors import NotFound
from core.scope import Scope
from register import records
from register.demo import load_demo
from register.enums import PartyRole
from register.export.records import processor_record_document
from tests.access.conftest import client_as, make_user  # noqa: F401 (fixtures)
from tests.cli import rgpd
from tests.factories import API
from tests.test_cli_and_migrations import database_url  # noqa: F401 (fixture)

ALL = Scope.everything()


async def test_siim94_record_names_juvisy_and_the_ept_it_acts_for(db):
    demo = await load_demo()
    record = await records.processor_record(scope=ALL, organisation_id=demo.bodies["siim94"])

    assert record.controllers, "SIIM94 processes on behalf of the EPT for Juvisy"
    (served,) = record.controllers
    assert served.controller.organisation_id == demo.bodies["juvisy"]  # 30(2)(a): controller
    assert served.acting_for.organisation_id == demo.bodies["gosb"]  # ... and the processor
    assert served.convention_id == demo.convention_ids["gosb_juvisy"]
    assert served.role == PartyRole.SUB_PROCESSOR
    assert "réseaux" in served.services  # 30(2)(b): the services it was hired for
    assert served.processing_categories  # and the activities concerned (JUV-01 to JUV-05)
    gosb = await records.processor_record(scope=ALL, organisation_id=demo.bodies["gosb"])
    hosted = set(gosb.controllers[0].activity_ids)
    assert set(served.activity_ids) <= hosted and len(served.activity_ids) == 5
    assert served.subprocessors == []  # it names none of its own
    assert served.chain_transfers == [] and served.missing_items == []  # all in France


async def test_siim94_record_document_has_its_row(db):
    demo = await load_demo()
    document = await processor_record_document(scope=ALL, organisation_id=demo.bodies["siim94"])
    rows = [row async for row in document.sheets[0].rows()]
    (row,) = rows
    assert row["controller"] == "Commune de Juvisy-sur-Orge"
    assert row["acting_for"] == "Établissement public territorial Grand-Orly Seine Bièvre"
    assert row["role"] == "Sous-traitant ultérieur"
    assert row["processing_categories"].startswith("Prestations : réseaux")


async def test_a_third_body_cannot_read_siim94_record(db, client, make_user, client_as):  # noqa: F811
    demo = await load_demo()
    siim94 = demo.bodies["siim94"]
    with pytest.raises(NotFound):
        await records.processor_record(
            scope=Scope.of([demo.bodies["grand_nancy"]]), organisation_id=siim94
        )

    nancy_dpo = await client_as(
        await make_user("dpd@grand-nancy.test", (demo.bodies["grand_nancy"], "dpo"))
    )
    refused = await nancy_dpo.get(f"{API}/organisations/{siim94}/records/processor")
    assert refused.status_code == 404, refused.text
    nowhere = "00000000-0000-4000-8000-000000000000"
    missing = await nancy_dpo.get(f"{API}/organisations/{nowhere}/records/processor")
    assert missing.status_code == 404
    assert missing.text.replace(nowhere, "?") == refused.text.replace(str(siim94), "?")

    # The controller it serves reads it no more than any body that may not read SIIM94.
    juvisy_dpo = await client_as(await make_user("dpd@juvisy.test", (demo.bodies["juvisy"], "dpo")))
    assert (
        await juvisy_dpo.get(f"{API}/organisations/{siim94}/records/processor")
    ).status_code == 404

    # Its own people read it.
    siim_dpo = await client_as(await make_user("dpd@siim94.test", (siim94, "dpo")))
    own = await siim_dpo.get(f"{API}/organisations/{siim94}/records/processor")
    assert own.status_code == 200, own.text
    assert own.json()["controllers"][0]["acting_for"]["organisation_id"] == str(demo.bodies["gosb"])


def test_siim94_record_from_the_command_line(database_url):  # noqa: F811
    assert rgpd("migrate", database=database_url).returncode == 0
    assert rgpd("demo", database=database_url).returncode == 0

    printed = rgpd("record", "processor", "SIIM94", database=database_url)

    assert printed.returncode == 0, printed.stderr
    (served,) = json.loads(printed.stdout)["controllers"]
    assert served["controller"]["legal_name"] == "Commune de Juvisy-sur-Orge"
    assert served["acting_for"]["legal_name"] == (
        "Établissement public territorial Grand-Orly Seine Bièvre"
    )
    assert served["role"] == "sub_processor"
