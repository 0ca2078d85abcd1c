"""Every period filter reads a day, an instant with its offset, or an instant without one
(Paris time), through core.validators; anything else is a 422 naming the parameter."""

import io
import zipfile
from datetime import datetime

import pytest

from tests.factories import API, assert_refused, bodies, declare_on, make_org

EXPORT = "/organisations/{}/exports/breach-register"
FORMS = ["2026-11-01", "2026-11-01T08:30", "2026-11-01T08:30:00+01:00", "2026-11-01T07:30:00Z"]


@pytest.fixture
def signing_key(tmp_path, settings_env):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = tmp_path / "signing.pem"
    path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings_env(signing_key_file=path)
    return path


@pytest.mark.parametrize("value", FORMS)
async def test_the_breach_register_reads_every_form_of_a_period(client, value):
    world = await bodies(client)
    await declare_on(
        client,
        world["commune"],
        [world["activity"]["id"]],
        detected=datetime.fromisoformat("2026-11-10T10:00:00+01:00"),
    )
    url = API + EXPORT.format(world["commune"]["id"])

    inside = await client.get(url, params={"format": "csv", "from": value})
    after = await client.get(url, params={"format": "csv", "to": value})

    assert inside.status_code == 200, inside.text
    assert after.status_code == 200, after.text
    assert "Rançongiciel" in inside.text
    assert "Rançongiciel" not in after.text


async def test_a_day_given_as_the_end_covers_that_whole_day(client):
    world = await bodies(client)
    await declare_on(
        client,
        world["commune"],
        [world["activity"]["id"]],
        detected=datetime.fromisoformat("2026-11-10T23:30:00+01:00"),
    )
    url = API + EXPORT.format(world["commune"]["id"])

    that_day = await client.get(url, params={"format": "csv", "to": "2026-11-10"})
    day_before = await client.get(url, params={"format": "csv", "to": "2026-11-09"})

    assert "Rançongiciel" in that_day.text
    assert "Rançongiciel" not in day_before.text


@pytest.mark.parametrize("value", ["2026-11-41", "demain", "0001-01-01", "9999-12-31", "1" * 300])
@pytest.mark.parametrize("name", ["from", "to"])
async def test_a_bad_period_is_refused_naming_the_parameter(client, name, value):
    org = await make_org(client)
    for path in (EXPORT.format(org["id"]), f"/organisations/{org['id']}/journal"):
        response = await client.get(API + path, params={"format": "csv", name: value})
        assert_refused(response, ["query", name], "date")


async def test_an_end_before_the_start_is_refused(client):
    org = await make_org(client)
    response = await client.get(
        API + EXPORT.format(org["id"]),
        params={"format": "csv", "from": "2026-11-10", "to": "2026-11-01"},
    )
    assert_refused(response, ["query", "to"], "doit suivre son début")


async def test_the_journal_reads_a_day_and_an_instant_without_offset(client):
    org = await make_org(client)
    for value in FORMS:
        journal = f"{API}/organisations/{org['id']}/journal"
        response = await client.get(journal, params={"to": value})
        assert response.status_code == 200, response.text
        assert response.json()["total"] == 0  # the body was created after 2026-11-01
    everything = await client.get(
        f"{API}/organisations/{org['id']}/journal", params={"from": "2000-01-01"}
    )
    assert everything.json()["total"] >= 1


@pytest.mark.parametrize(
    "period",
    [
        {"from": "2026-01-01", "to": "2026-12-31"},
        {"from": "2026-01-01T00:00"},
        {"to": "2026-12-31T23:59:59+01:00"},
    ],
)
async def test_a_bundle_reads_days_and_instants_without_offset(client, signing_key, period):
    org = await make_org(client)

    response = await client.post(f"{API}/bundles", json={"organisation_ids": [org["id"]], **period})

    assert response.status_code == 200, response.text
    with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
        readme = next(n for n in bundle.namelist() if n.upper().startswith("LISEZ"))
        assert "Période : du" in bundle.read(readme).decode("utf-8")


@pytest.mark.parametrize(
    ("period", "field", "says"),
    [
        ({"from": "hier"}, "from", "date"),
        ({"to": 20261231}, "to", "date"),
        ({"from": "2026-12-31", "to": "2026-01-01"}, "to", "doit suivre son début"),
    ],
)
async def test_a_bad_bundle_period_is_refused_naming_the_field(
    client, signing_key, period, field, says
):
    org = await make_org(client)
    response = await client.post(f"{API}/bundles", json={"organisation_ids": [org["id"]], **period})
    assert_refused(response, ["body", field], says)
