"""A sub-processor learns of a controller only once it may work for it (art. 28(2)): under a
specific authorisation once the controller authorised it; under a general one while no
objection of the controller stands. Its art. 30(2) record, its exports and its evidence
bundle name neither the controller, nor the convention, nor the activities before that."""

import io
import zipfile
from datetime import timedelta
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.clock import today_local, utcnow
from core.scope import Scope
from reports.bundle import build_bundle
from tests.access.conftest import client_as, make_user  # noqa: F401 (fixtures)
from tests.factories import API, bodies, make_org, make_subprocessor, read
from tests.register.test_chain_transfers import answer

COMMUNE = "Commune de Vitry-sur-Seine"
CONVENTION = "Convention de services informatiques partagés"
ACTIVITY = "Inscriptions périscolaires"


async def _hired(client, make_user, client_as, regime: str, **engagement):  # noqa: F811
    notice = {"subprocessor_notice_days": 30} if regime == "general" else {}
    world = await bodies(client, subprocessor_authorisation=regime, **notice)
    sub = await make_org(client, kind="syndicat", legal_name="Syndicat informatique du Val")
    hired = await make_subprocessor(
        client,
        processor=world["ept"],
        name="Syndicat du Val",
        subprocessor_org_id=sub["id"],
        convention_ids=[world["convention"]["id"]],
        authorisation=regime,
        **engagement,
    )
    dpo = await client_as(await make_user("dpd@syndicat-val.test", (sub["id"], "dpo")))
    return world | {"sub": sub, "hired": hired, "sub_dpo": dpo}


async def _state(client, w) -> str:
    return (await read(client, f"/subprocessors/{w['hired']['id']}"))["state"]


async def _record_of_sub(w):
    response = await w["sub_dpo"].get(f"{API}/organisations/{w['sub']['id']}/records/processor")
    assert response.status_code == 200, response.text
    return response


def _names_nothing_of_the_commune(text: str) -> bool:
    return not any(word in text for word in (COMMUNE, "Vitry", CONVENTION, ACTIVITY))


async def test_specific_regime_requested_objected_then_authorised(
    client,
    make_user,  # noqa: F811
    client_as,  # noqa: F811
):
    w = await _hired(client, make_user, client_as, "specific")
    assert await _state(client, w) == "requested"
    requested = await _record_of_sub(w)
    assert requested.json()["controllers"] == []
    assert _names_nothing_of_the_commune(requested.text)

    await answer(client, w["hired"], w["commune"], "object")
    assert await _state(client, w) == "objected"
    objected = await _record_of_sub(w)
    assert objected.json()["controllers"] == []
    assert _names_nothing_of_the_commune(objected.text)

    await answer(client, w["hired"], w["commune"], "authorise")
    assert await _state(client, w) in ("authorised", "active")
    (served,) = (await _record_of_sub(w)).json()["controllers"]
    assert served["controller"]["legal_name"] == COMMUNE
    assert served["convention_title"] == CONVENTION
    assert served["processing_categories"] == [ACTIVITY]
    assert served["acting_for"]["organisation_id"] == w["ept"]["id"]


async def test_general_regime_notified_is_in_the_record_until_an_objection(
    client,
    make_user,  # noqa: F811
    client_as,  # noqa: F811
):
    start = (today_local() + timedelta(days=40)).isoformat()
    w = await _hired(client, make_user, client_as, "general", contract_start=start)
    assert await _state(client, w) == "notified"
    (served,) = (await _record_of_sub(w)).json()["controllers"]
    assert served["controller"]["legal_name"] == COMMUNE

    await answer(client, w["hired"], w["commune"], "object")
    assert await _state(client, w) == "objected"
    objected = await _record_of_sub(w)
    assert objected.json()["controllers"] == []
    assert _names_nothing_of_the_commune(objected.text)

    await answer(client, w["hired"], w["commune"], "accept")
    (served,) = (await _record_of_sub(w)).json()["controllers"]
    assert served["processing_categories"] == [ACTIVITY]


async def _exports_and_bundle(w) -> list[str]:
    """The sub-processor's processor record as CSV and JSON, and every file of its bundle."""
    texts = []
    for fmt in ("csv", "json"):
        exported = await w["sub_dpo"].get(
            f"{API}/organisations/{w['sub']['id']}/exports/processor-record",
            params={"format": fmt},
        )
        assert exported.status_code == 200, exported.text
        texts.append(exported.content.decode("utf-8-sig"))
    out = io.BytesIO()
    await build_bundle(
        scope=Scope.of([UUID(w["sub"]["id"])]),
        organisation_ids=[UUID(w["sub"]["id"])],
        since=None,
        until=None,
        now=utcnow(),
        out=out,
        key=Ed25519PrivateKey.generate(),
    )
    with zipfile.ZipFile(out) as bundle:
        texts += [bundle.read(n).decode("utf-8", "replace") for n in bundle.namelist()]
    return texts


async def test_exports_and_bundle_of_a_requested_sub_processor_do_not_name_the_commune(
    client,
    make_user,  # noqa: F811
    client_as,  # noqa: F811
):
    w = await _hired(client, make_user, client_as, "specific")
    assert await _state(client, w) == "requested"
    assert all(_names_nothing_of_the_commune(text) for text in await _exports_and_bundle(w))

    # Authorised: the same documents name it (the check above could see it).
    await answer(client, w["hired"], w["commune"], "authorise")
    texts = await _exports_and_bundle(w)
    assert COMMUNE in texts[0] and COMMUNE in texts[1]
    assert any(COMMUNE in text for text in texts[2:])
