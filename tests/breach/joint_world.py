"""Joint controllers (art. 26) for the breach tests: a métropole and a commune jointly running
a citizen portal, the métropole keeping the activity in its register and leading on breaches
unless told otherwise. Built through the API by the instance administrator (the convention is
in force at once); tests/breach/test_joint_controllers.py also builds it through each body's
own DPO, proposal and acceptance."""

from datetime import datetime

import httpx

from tests.factories import make_activity, make_convention, make_org, party, read

METRO = "Métropole du Grand Nancy (essai)"
COMMUNE = "Commune de Saint-Max (essai)"
ESSENCE = (
    "La Métropole exploite le portail, répond aux demandes d'exercice des droits et notifie "
    "les violations à la CNIL ; la Commune informe ses administrés."
)


def joint_convention(metro: dict, commune: dict, **fields) -> dict:
    return {
        "title": "Accord de responsabilité conjointe — portail citoyen",
        "kind": "art26_arrangement",
        "parties": [party(metro, "joint_controller"), party(commune, "joint_controller")],
        "breach_lead_id": metro["id"],
        "arrangement_essence": ESSENCE,
        **fields,
    }


async def joint_bodies(client: httpx.AsyncClient, **convention) -> dict:
    metro = await make_org(client, kind="epci_fp", legal_name=METRO)
    commune = await make_org(client, kind="commune", legal_name=COMMUNE)
    arrangement = await make_convention(client, **joint_convention(metro, commune, **convention))
    activity = await make_activity(
        client,
        controller=metro,
        name="Portail citoyen",
        ref="MET-12",
        joint_controller_ids=[commune["id"]],
        convention_ids=[arrangement["id"]],
    )
    return {"metro": metro, "commune": commune, "convention": arrangement, "activity": activity}


async def joint_breaches(
    client: httpx.AsyncClient, world: dict, *, declaring: dict, detected: datetime
) -> tuple[dict, dict]:
    """The incident declared by `declaring` on the portal: (the métropole's breach, the
    commune's), read by the administrator."""
    response = await client.post(
        "/api/v1/incidents",
        json={
            "organisation_id": declaring["id"],
            "title": "Fuite de comptes du portail citoyen",
            "description": "Export de comptes usagers constaté sur le portail.",
            "detected_at": detected.isoformat(),
            "nature": ["confidentiality"],
            "origin": "hacking_malware_phishing",
            "cause": "external_malicious",
            "activity_ids": [world["activity"]["id"]],
        },
    )
    assert response.status_code == 201, response.text
    breaches = [await read(client, f"/breaches/{i}") for i in response.json()["breach_ids"]]
    by_body = {b["controller_id"]: b for b in breaches}
    assert set(by_body) == {world["metro"]["id"], world["commune"]["id"]}, breaches
    return by_body[world["metro"]["id"]], by_body[world["commune"]["id"]]
