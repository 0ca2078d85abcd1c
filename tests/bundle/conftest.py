"""A commune and the EPT that runs its IT: records with accented names, a breach notified to
the CNIL and to the people (one older notification without its text), journal events before,
during and after the audited period, a signed checkpoint in it; and the bundle of both."""

from pathlib import Path
from uuid import UUID

import pytest

from breach.breaches.models import BreachNotification
from core.audit.journal import checkpoint_moved
from core.audit.signing import generate_signing_key_pem, load_private_key
from core.clock import utcnow
from core.scope import Scope
from reports.bundle import build_bundle
from tests.factories import (
    API,
    ASSESS_FINANCIAL,
    DECIDE_HIGH,
    bodies,
    complete_record,
    declare_on,
    done,
    iso,
    make_activity,
    read,
    with_facts,
)

ETAT_CIVIL = "État civil — mariages, naissances et décès"
PERISCOLAIRE = "Inscriptions périscolaires"  # made by tests.factories.bodies
CNIL_REF = "CNIL-2026-004217"


@pytest.fixture
def signing_key(tmp_path, settings_env):
    """The instance's signing key, configured as RGPD_SIGNING_KEY_FILE (the environment of the
    test and of the processes it starts)."""
    key_file = tmp_path / "signing.pem"
    key_file.write_bytes(generate_signing_key_pem())
    settings_env(signing_key_file=key_file)
    return load_private_key(key_file)


@pytest.fixture
async def published_key(client, signing_key, tmp_path) -> tuple[str, Path]:
    """The public key as the service publishes it (GET /journal/public-key), saved in a file."""
    pem = (await read(client, "/journal/public-key"))["public_key_pem"]
    path = tmp_path / "published.pem"
    path.write_text(pem, encoding="ascii")
    return pem, path


@pytest.fixture
async def world(client, signing_key, tmp_path) -> dict:
    w = await bodies(client)
    commune, ept = w["commune"], w["ept"]
    await make_activity(client, controller=commune, name=ETAT_CIVIL, **complete_record())

    w["since"] = utcnow()
    declared = await declare_on(client, commune, [w["activity"]["id"]], detected=utcnow())
    breach = await with_facts(client, declared)
    breach = await done(client, breach, "assessment", **ASSESS_FINANCIAL)
    breach = await done(client, breach, "decision", **DECIDE_HIGH)
    breach = await done(client, breach, "notifications", sent_at=iso(utcnow()))
    cnil = breach["notifications"][0]
    response = await client.patch(
        f"{API}/breaches/{breach['id']}/notifications/{cnil['id']}",
        json={"version": breach["version"], "external_ref": CNIL_REF},
    )
    assert response.status_code == 200, response.text
    breach = response.json()
    breach = await done(
        client,
        breach,
        "notifications",
        recipient="data_subjects",
        channel="letter",
        sent_at=iso(utcnow()),
    )
    breach = await done(
        client, breach, "notifications", phase="complementary", sent_at=iso(utcnow())
    )
    # An older notification, recorded before texts were kept: listed, not written.
    older = breach["notifications"][-1]
    await BreachNotification.filter(id=older["id"]).update(message_subject=None, message_body=None)
    w["checkpoints"] = await checkpoint_moved(now=utcnow())
    await make_activity(client, controller=ept, name="Supervision du réseau")  # the EPT's chain
    w["until"] = utcnow()

    # After the period: in the journal, not in the bundle.
    await client.patch(
        f"{API}/activities/{w['activity']['id']}",
        json={"version": w["activity"]["version"], "name": "Renommé après la période"},
    )
    w["breach"] = await read(client, f"/breaches/{breach['id']}")
    w["bundle"] = tmp_path / "lot.zip"
    with w["bundle"].open("wb") as out:
        w["summary"] = await build_bundle(
            scope=Scope.everything(),
            organisation_ids=[UUID(commune["id"]), UUID(ept["id"])],
            since=w["since"],
            until=w["until"],
            now=utcnow(),
            out=out,
            key=signing_key,
        )
    return w
