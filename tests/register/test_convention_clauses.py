"""The art. 28(3) checklist of a processor convention, and the art. 28(10) warning."""

from datetime import date
from uuid import uuid4

from core.scope import Scope
from register.completeness import register_completeness
from register.conventions.checklist import get_checklist
from register.conventions.clauses import (
    ClauseCode,
    ClauseIn,
    ClauseStatus,
    beyond_role_warnings,
    flag_columns,
    not_needed_reason,
    with_flags,
)
from register.demo import load_demo
from register.enums import ConventionKind, PartyRole
from tests.factories import (
    API,
    assert_refused,
    make_activity,
    make_convention,
    make_org,
    party,
    read,
)

ALL = Scope.everything()
PRESENT = ClauseIn(status=ClauseStatus.PRESENT, article="annexe 1, §II.12")


def clauses_url(convention: dict) -> str:
    return f"{API}/conventions/{convention['id']}/clauses"


def by_clause(checklist: dict) -> dict[str, dict]:
    return {item["clause"]: item for item in checklist["items"]}


# The rules, one line each ------------------------------------------------------------------


def test_an_old_yes_marks_the_clause_present_and_keeps_its_article():
    found = with_flags({ClauseCode.AUDITS: PRESENT}, {"audit_right": True})
    assert found[ClauseCode.AUDITS] == PRESENT


def test_an_old_no_takes_a_present_clause_back_to_not_checked_never_to_absent():
    found = with_flags({ClauseCode.AUDITS: PRESENT}, {"audit_right": False})
    assert found[ClauseCode.AUDITS].status == ClauseStatus.NOT_CHECKED
    assert found[ClauseCode.AUDITS].article == "annexe 1, §II.12"


def test_the_yes_no_columns_are_true_only_for_a_present_clause():
    absent = ClauseIn(status=ClauseStatus.ABSENT)
    columns = flag_columns({ClauseCode.AUDITS: PRESENT, ClauseCode.INSTRUCTIONS: absent})
    assert columns["audit_right"] is True
    assert columns["documented_instructions"] is False
    assert columns["staff_confidentiality"] is False  # left out: not checked


def test_a_service_commun_needs_no_checklist_and_says_why():
    reason = not_needed_reason([PartyRole.SERVICE_COMMUN_HOST, PartyRole.SERVICE_COMMUN_MEMBER])
    assert reason and "Service commun" in reason


def test_a_sub_processor_is_enough_to_need_the_checklist():
    assert not_needed_reason([PartyRole.CONTROLLER, PartyRole.SUB_PROCESSOR]) is None


def test_a_processor_recording_a_linked_activity_as_controller_is_warned_art_28_10():
    ept, commune = uuid4(), uuid4()
    roles = {ept: PartyRole.PROCESSOR, commune: PartyRole.CONTROLLER}
    names = {ept: "Établissement public territorial Essai", commune: "Commune d'Essai"}
    (warning,) = beyond_role_warnings(
        roles=roles, names=names, activities=[("Paie", ept), ("Cantine", commune)]
    )
    assert warning.startswith("L'Établissement public territorial Essai est sous-traitant")
    assert "« Paie »" in warning and "art. 28.10" in warning


def test_a_text_calling_the_processor_a_service_commun_is_warned_art_28_10():
    ept, commune = uuid4(), uuid4()
    roles = {ept: PartyRole.PROCESSOR, commune: PartyRole.CONTROLLER}
    names = {ept: "Établissement public territorial Essai", commune: "Commune d'Essai"}
    kind = ConventionKind.PRESTATION_DE_SERVICES
    (warning,) = beyond_role_warnings(
        roles=roles, names=names, kind=kind, text="… le service commun placé sous …"
    )
    assert "de l'Établissement public territorial Essai un sous-traitant" in warning
    assert beyond_role_warnings(roles=roles, names=names, kind=kind, text="prestation") == []


# Through the API ---------------------------------------------------------------------------


async def test_the_checklist_carries_each_clause_with_its_article(client):
    ept = await make_org(client, kind="ept")
    commune = await make_org(client)
    convention = await make_convention(client, processor=ept, controller=commune, audit_right=True)
    first = (await client.get(clauses_url(convention))).json()
    assert first["needed"] is True
    assert by_clause(first)["audits"]["status"] == "present"
    assert by_clause(first)["instructions"]["status"] == "not_checked"

    changed = await client.patch(
        clauses_url(convention),
        json={
            "version": first["version"],
            "clauses": {
                "instructions": {"status": "present", "article": "annexe 1, §II.2"},
                "compliance_assistance": {"status": "absent", "note": "Pas d'aide aux AIPD"},
            },
        },
    )

    assert changed.status_code == 200, changed.text
    items = by_clause(changed.json())
    assert items["instructions"]["article"] == "annexe 1, §II.2"
    assert items["audits"]["status"] == "present", "a clause not sent stays as it was"
    assert changed.json()["flagged"] is True
    assert changed.json()["absent"] == ["compliance_assistance"]
    stored = await read(client, f"/conventions/{convention['id']}")
    assert (stored["documented_instructions"], stored["assists_security_obligations"]) == (
        True,
        False,
    )
    assert stored["clauses"]["instructions"]["article"] == "annexe 1, §II.2"


async def test_an_old_client_unticking_a_flag_leaves_the_clause_not_checked(client):
    ept = await make_org(client, kind="ept")
    commune = await make_org(client)
    convention = await make_convention(client, processor=ept, controller=commune, audit_right=True)
    url = f"{API}/conventions/{convention['id']}"
    response = await client.patch(url, json={"version": 1, "audit_right": False})
    assert response.status_code == 200, response.text
    assert response.json()["audit_right"] is False
    assert response.json()["clauses"]["audits"]["status"] == "not_checked"


async def test_a_checklist_contradicting_the_end_of_service_is_refused(client):
    ept = await make_org(client, kind="ept")
    commune = await make_org(client)
    convention = await make_convention(
        client, processor=ept, controller=commune, end_of_service="delete"
    )
    response = await client.patch(
        clauses_url(convention),
        json={"version": 1, "clauses": {"end_of_service": {"status": "absent"}}},
    )
    assert_refused(response, ["body", "clauses"], "sort des données")
    stored = await read(client, f"/conventions/{convention['id']}")
    assert stored["version"] == 1 and stored["clauses"] == {}


async def test_a_clause_without_object_says_why(client):
    ept = await make_org(client, kind="ept")
    commune = await make_org(client)
    convention = await make_convention(client, processor=ept, controller=commune)
    response = await client.patch(
        clauses_url(convention),
        json={"version": 1, "clauses": {"subprocessing": {"status": "not_applicable"}}},
    )
    assert_refused(response, ["body", "clauses", "subprocessing", "note"], "sans objet")


async def test_a_service_commun_has_no_checklist_to_edit(client):
    host = await make_org(client, kind="epci_fp")
    member = await make_org(client)
    convention = await make_convention(
        client,
        kind="service_commun",
        parties=[party(host, "service_commun_host"), party(member, "service_commun_member")],
    )
    shown = (await client.get(clauses_url(convention))).json()
    assert shown["needed"] is False and "Service commun" in shown["reason"]
    refused = await client.patch(
        clauses_url(convention),
        json={"version": 1, "clauses": {"audits": {"status": "present"}}},
    )
    assert_refused(refused, ["body", "clauses"], "Service commun")


async def test_an_activity_of_the_processor_under_its_convention_is_warned(client):
    ept = await make_org(client, kind="ept", legal_name="EPT Essai")
    commune = await make_org(client)
    # The EPT recorded the activity while controller; the convention now makes it processor.
    convention = await make_convention(client, processor=commune, controller=ept)
    await make_activity(
        client, controller=ept, name="Sauvegardes", convention_ids=[convention["id"]]
    )
    swapped = await client.patch(
        f"{API}/conventions/{convention['id']}",
        json={"version": 1, "parties": [party(ept, "processor"), party(commune, "controller")]},
    )
    assert swapped.status_code == 200, swapped.text
    shown = (await client.get(clauses_url(convention))).json()
    (warning,) = shown["beyond_role"]
    assert "« Sauvegardes »" in warning and "art. 28.10" in warning


# The demo's conventions --------------------------------------------------------------------


async def test_montpellier_ccas_lacks_every_clause_and_is_flagged(db):
    demo = await load_demo()
    found = await get_checklist(scope=ALL, convention_id=demo.convention_ids["montpellier_ccas"])
    assert found.needed and found.flagged
    assert len(found.absent) == len(ClauseCode)
    assert all("annexe 4" in item.note for item in found.items)
    figures = {
        b.organisation_id: b for b in await register_completeness(scope=ALL, today=date.today())
    }
    assert figures[demo.bodies["ccas_baillargues"]].clauses_absent >= 1
    assert figures[demo.bodies["montpellier"]].clauses_absent >= 1


async def test_gosb_juvisy_cites_annex_1_and_lacks_dpia_assistance(db):
    demo = await load_demo()
    found = await get_checklist(scope=ALL, convention_id=demo.convention_ids["gosb_juvisy"])
    articles = {item.clause: item.article for item in found.items}
    assert articles[ClauseCode.INSTRUCTIONS] == "annexe 1, §II.2"
    assert articles[ClauseCode.CONFIDENTIALITY] == "annexe 1, §II.3 et §II.4"
    assert articles[ClauseCode.SUBPROCESSING] == "annexe 1, §II.6"
    assert articles[ClauseCode.DATA_SUBJECT_RIGHTS] == "annexe 1, §II.7"
    assert articles[ClauseCode.SECURITY] == "annexe 1, §II.9"
    assert articles[ClauseCode.AUDITS] == "annexe 1, §II.12"
    assert articles[ClauseCode.END_OF_SERVICE] == "annexe 1, §IV"
    assert found.absent == [ClauseCode.COMPLIANCE_ASSISTANCE]
    assert "AIPD" in found.items[5].note
    (warning,) = found.beyond_role
    assert "« service commun »" in warning and "art. 28.10" in warning


async def test_the_service_commun_of_grand_nancy_is_not_flagged(db):
    demo = await load_demo()
    found = await get_checklist(scope=ALL, convention_id=demo.convention_ids["grand_nancy_essey"])
    assert not found.needed and not found.flagged
    figures = {
        b.organisation_id: b for b in await register_completeness(scope=ALL, today=date.today())
    }
    assert figures[demo.bodies["essey"]].clauses_absent == 0
