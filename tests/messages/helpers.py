"""Builders for the message tests: a processor (EPT) running a commune's processing, each
with its DPO and RSSI, and a breach whose facts give every art. 33(3) item."""

from datetime import UTC, datetime, timedelta

import httpx

from core.outbox.models import OutboxMessage
from tests.factories import (
    API,
    SIREN_JUVISY,
    make_activity,
    make_contact,
    make_convention,
    make_dpo,
    make_org,
    read,
)

BREACHES = f"{API}/breaches"

EPT_DPO = "dpd@ept-exemple.fr"
EPT_RSSI = "rssi@ept-exemple.fr"
COMMUNE_DPO = "dpd@vitry-exemple.fr"
COMMUNE_RSSI = "rssi@vitry-exemple.fr"

FACTS = {
    "data_categories": ["contact_details", "financial"],
    "subject_categories": ["users"],
    "approx_subjects": 1200,
    "subjects_is_estimate": True,
    "approx_records": 4800,
    "consequences": ["identity_theft", "fraud"],
    "consequences_detail": "Risque d'hameçonnage ciblé des usagers du périscolaire.",
    "measures_taken": "Serveur isolé du réseau, mots de passe réinitialisés, plainte déposée.",
    "measures_planned": "Restauration depuis la sauvegarde du 2 mars, audit de sécurité.",
}


def iso(moment: datetime) -> str:
    return moment.isoformat()


def ago(**delta) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


async def bodies(client: httpx.AsyncClient, **convention) -> dict:
    """An EPT (processor) and a commune (controller), each with a DPO and an RSSI, a convention
    between them and one of the commune's activities under it."""
    ept_dpo = await make_dpo(
        client,
        name="Délégué à la protection des données de l'EPT",
        email=EPT_DPO,
        phone="01 49 87 00 00",
    )
    ept = await make_org(
        client,
        kind="ept",
        legal_name="EPT Grand-Orly Seine Bièvre (essai)",
        dpo_id=ept_dpo["id"],
    )
    await make_contact(client, organisation=ept, name="Amélie Rssi", email=EPT_RSSI)
    commune_dpo = await make_dpo(
        client, name="Hélène Délégué", email=COMMUNE_DPO, phone="01 46 82 80 00"
    )
    commune = await make_org(
        client,
        kind="commune",
        legal_name="Commune de Vitry-sur-Seine",
        siren=SIREN_JUVISY,
        legal_rep_name="Pierre Maire",
        legal_rep_title="Maire",
        dpo_id=commune_dpo["id"],
    )
    await make_contact(
        client,
        organisation=commune,
        name="Noël Sécurité",
        email=COMMUNE_RSSI,
        phone="01 46 82 80 01",
    )
    convention = await make_convention(
        client,
        processor=ept,
        controller=commune,
        title="Convention de services informatiques partagés",
        breach_notice_hours=convention.pop("breach_notice_hours", 24),
        **convention,
    )
    activity = await make_activity(
        client,
        controller=commune,
        name="Inscriptions périscolaires",
        ref="VIT-07",
        convention_ids=[convention["id"]],
    )
    return {"ept": ept, "commune": commune, "convention": convention, "activity": activity}


async def declare_on(
    client: httpx.AsyncClient, org: dict, activity_ids: list[str], *, detected: datetime
) -> dict:
    response = await client.post(
        f"{API}/incidents",
        json={
            "organisation_id": org["id"],
            "title": "Rançongiciel sur le serveur de fichiers",
            "description": "Chiffrement des partages réseau et copie de fichiers constatée.",
            "detected_at": iso(detected),
            "started_at": iso(detected - timedelta(hours=3)),
            "start_is_estimate": True,
            "nature": ["confidentiality", "availability"],
            "origin": "hacking_malware_phishing",
            "cause": "external_malicious",
            "activity_ids": activity_ids,
        },
    )
    assert response.status_code == 201, response.text
    (breach_id,) = response.json()["breach_ids"]
    return await read(client, f"/breaches/{breach_id}")


async def with_facts(client: httpx.AsyncClient, breach: dict, **facts) -> dict:
    response = await client.patch(
        f"{BREACHES}/{breach['id']}", json={"version": breach["version"], **(facts or FACTS)}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def post(client: httpx.AsyncClient, breach: dict, action: str, **payload):
    payload.setdefault("version", breach["version"])
    return await client.post(f"{BREACHES}/{breach['id']}/{action}", json=payload)


async def done(client: httpx.AsyncClient, breach: dict, action: str, **payload) -> dict:
    response = await post(client, breach, action, **payload)
    assert response.status_code == 200, response.text
    return response.json()


async def outbox(**filters) -> list[OutboxMessage]:
    return list(await OutboxMessage.filter(**filters).order_by("kind", "created_at"))
