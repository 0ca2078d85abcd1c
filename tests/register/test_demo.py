"""The demo register loads the four seed conventions as they are, through the services."""

import tomllib
from dataclasses import replace
from datetime import date

import pytest
from pydantic import ValidationError

from core.scope import Scope
from register import demo as demo_module
from register import records
from register.activities.service import ActivityFilters, list_activities
from register.conventions.service import convention_out, get_convention
from register.demo import load_demo
from register.enums import ActivityStatus, DpoMode, PartyRole
from register.organisations.models import Dpo, Organisation

ALL = Scope.everything()


async def test_juvisy_controller_record_names_gosb_as_processor(db):
    demo = await load_demo()
    record = await records.controller_record(scope=ALL, organisation_id=demo.bodies["juvisy"])

    hosted = [e for e in record.activities if e.processors]
    assert hosted, "Juvisy's activities hosted by GOSB are linked to the convention"
    for entry in hosted:
        (link,) = entry.processors
        assert link.convention_id == demo.convention_ids["gosb_juvisy"]
        assert link.processor.organisation_id == demo.bodies["gosb"]
        assert link.role == PartyRole.PROCESSOR
        assert link.breach_notice_hours == 72
        assert sorted(link.breach_notice_channels) == ["email", "phone"]
        assert "SIIM94" in [s.name for s in link.subprocessors]
        assert {m.organisation_id for m in entry.measures} == {demo.bodies["gosb"]}
    assert record.controller.siren is None  # absent from the seeds: never invented


async def test_gosb_processor_record_serves_juvisy_with_siim94(db):
    demo = await load_demo()
    record = await records.processor_record(scope=ALL, organisation_id=demo.bodies["gosb"])

    (served,) = record.controllers
    assert served.controller.organisation_id == demo.bodies["juvisy"]
    assert served.convention_id == demo.convention_ids["gosb_juvisy"]
    assert served.processing_categories  # Juvisy's hosted activities
    siim94 = [s for s in served.subprocessors if s.name == "SIIM94"]
    assert siim94 and siim94[0].authorisation == "general" and siim94[0].data_locations == ["FR"]
    assert len(served.measures) >= 8  # the annex 1 list
    assert record.processor.siren == "200058014"
    assert record.processor.dpo_email == "DPO@grandorlyseinebievre.fr"


async def test_gosb_juvisy_convention_clauses(db):
    demo = await load_demo()
    convention = await convention_out(
        await get_convention(scope=ALL, convention_id=demo.convention_ids["gosb_juvisy"])
    )
    assert convention.breach_phased_information
    assert convention.subprocessor_authorisation == "general"
    assert convention.subprocessor_notice_days is None  # «dans les plus brefs délais»
    assert convention.audit_right and convention.end_of_service_proof
    assert convention.end_of_service == "return_then_delete"
    assert convention.start_date == date(2021, 2, 1)
    assert convention.last_possible_end == date(2021, 7, 31)  # express renewal: not tacit
    assert any("2021-01-26_2209" in ref for ref in convention.deliberation_refs)


async def test_service_commun_is_not_art28(db):
    demo = await load_demo()
    nancy = await records.processor_record(scope=ALL, organisation_id=demo.bodies["grand_nancy"])
    assert nancy.controllers == []

    essey = await records.controller_record(scope=ALL, organisation_id=demo.bodies["essey"])
    assert essey.activities
    assert all(entry.processors == [] for entry in essey.activities)
    assert essey.controller.dpo_email == "cnil@grandnancy.eu"

    convention = await convention_out(
        await get_convention(scope=ALL, convention_id=demo.convention_ids["grand_nancy_essey"])
    )
    roles = {p.organisation_id: p.role for p in convention.parties}
    assert roles == {
        demo.bodies["grand_nancy"]: PartyRole.SERVICE_COMMUN_HOST,
        demo.bodies["essey"]: PartyRole.SERVICE_COMMUN_MEMBER,
    }
    assert convention.legal_basis == "CGCT L5211-4-2"
    assert "rsi@grandnancy.eu" in convention.notes and "72" in convention.notes


async def test_grand_nancy_dpd_is_shared(db):
    demo = await load_demo()
    nancy = await Organisation.get(id=demo.bodies["grand_nancy"])
    essey = await Organisation.get(id=demo.bodies["essey"])
    assert nancy.dpo_id == essey.dpo_id
    dpo = await Dpo.get(id=nancy.dpo_id)
    assert dpo.mode == DpoMode.MUTUALISED
    assert dpo.email == "cnil@grandnancy.eu" and dpo.phone == "+33357800657"


async def test_gpso_and_boulogne_are_independent_controllers(db):
    demo = await load_demo()
    for key in ("gpso", "boulogne"):
        as_processor = await records.processor_record(scope=ALL, organisation_id=demo.bodies[key])
        assert as_processor.controllers == []
        as_controller = await records.controller_record(scope=ALL, organisation_id=demo.bodies[key])
        assert as_controller.activities
        assert all(entry.processors == [] for entry in as_controller.activities)

    convention = await convention_out(
        await get_convention(scope=ALL, convention_id=demo.convention_ids["gpso_boulogne"])
    )
    assert convention.legal_basis == "CGCT L5211-4-1 III"
    assert convention.start_date == date(2024, 1, 1)
    assert convention.duration_months == 12 and convention.tacit_renewals == 3
    assert convention.last_possible_end == date(2027, 12, 31)
    assert {p.role for p in convention.parties} == {PartyRole.INDEPENDENT_CONTROLLER}


async def test_baillargues_platforms_hosted_by_montpellier(db):
    demo = await load_demo()
    record = await records.processor_record(scope=ALL, organisation_id=demo.bodies["montpellier"])
    (served,) = record.controllers
    assert served.controller.organisation_id == demo.bodies["ccas_baillargues"]
    convention = await convention_out(
        await get_convention(scope=ALL, convention_id=demo.convention_ids["montpellier_ccas"])
    )
    assert convention.legal_basis == "CGCT L5217-7 et L5215-27"
    assert "annexe 4" in convention.notes


async def test_loading_twice_creates_nothing(db):
    first = await load_demo()
    second = await load_demo()
    assert first.created and not second.created
    assert replace(second, created=True) == first
    assert (first.organisations, first.conventions) == (9, 4)
    assert set(first.bodies) == {
        "gosb",
        "juvisy",
        "siim94",
        "grand_nancy",
        "essey",
        "gpso",
        "boulogne",
        "montpellier",
        "ccas_baillargues",
    }
    assert await Organisation.all().count() == 9
    assert await Dpo.all().count() == first.dpos


async def test_a_failed_load_leaves_nothing(db):
    data = demo_module.demo_data()
    broken = replace(
        data, engagements=[*data.engagements, {**data.engagements[0], "authorisation": "none"}]
    )
    with pytest.raises(ValidationError):
        await load_demo(data=broken)
    assert await Organisation.all().count() == 0
    assert (await load_demo()).created


def test_every_data_file_is_read():
    """A seed file left out of bodies.toml's `seeds` would silently not be loaded."""
    shared = demo_module.DATA_DIR / demo_module.SHARED_FILE
    seeds = tomllib.loads(shared.read_text(encoding="utf-8"))["seeds"]
    on_disk = {path.name for path in demo_module.DATA_DIR.glob("*.toml")} - {shared.name}
    assert sorted(seeds) == sorted(on_disk)


async def test_finished_activities_are_complete(db):
    demo = await load_demo()
    assert demo.activities >= 3 * 8
    page = await list_activities(scope=ALL, filters=ActivityFilters(), limit=500, offset=0)
    assert page.total == demo.activities
    finished = [a for a in page.items if a.status != ActivityStatus.DRAFT]
    assert finished and len(finished) > len(page.items) - len(finished)
    for activity in finished:
        assert activity.missing_fields == [], activity.name
        assert activity.legal_basis in ("legal_obligation", "public_task"), activity.name
    assert any(a.review_overdue for a in page.items)
    assert any(
        {"nir", "health"} <= set(a.special_categories) and a.art9_condition for a in page.items
    )
    assert any(r.final_disposition == "versement" for a in page.items for r in a.retention)
