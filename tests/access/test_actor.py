"""Who acted is who is signed in: the declaration, the corrections, the decision and the
notifications keep the signed-in account, never a name the client chose; a person may say
whom they act for, kept and shown as such (issue 13)."""

from core.accounts.roles import Role
from tests.factories import API, FOLLOWUP_DUE, ago, bodies, done, iso, post

RSSI = "rssi@ept-exemple.fr"
DPO = "dpd@vitry-exemple.fr"
FOR_MAYOR = "le maire, sur l'avis du DPO"


def _incident(org: dict, activity: dict, **extra) -> dict:
    detected = ago(hours=2)
    return {
        "organisation_id": org["id"],
        "title": "Rançongiciel sur le serveur de fichiers",
        "description": "Chiffrement des partages réseau.",
        "detected_at": iso(detected),
        "nature": ["availability"],
        "origin": "hacking_malware_phishing",
        "cause": "external_malicious",
        "activity_ids": [activity["id"]],
        **extra,
    }


async def test_every_step_keeps_the_signed_in_account(client, make_user, client_as):
    world = await bodies(client)
    rssi = await client_as(await make_user(RSSI, (world["ept"]["id"], Role.SECURITY_OFFICER)))
    dpo = await client_as(await make_user(DPO, (world["commune"]["id"], Role.DPO)))

    # A name of the client's choosing is refused, naming the field; nothing is declared.
    refused = await rssi.post(
        f"{API}/incidents",
        json=_incident(world["ept"], world["activity"], declared_by="Le maire en personne"),
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "declared_by"]
    assert (await client.get(f"{API}/incidents")).json()["total"] == 0

    declared = await rssi.post(f"{API}/incidents", json=_incident(world["ept"], world["activity"]))
    assert declared.status_code == 201, declared.text
    incident = declared.json()
    assert incident["declared_by"] == RSSI
    (breach_id,) = incident["breach_ids"]

    corrected = await rssi.patch(
        f"{API}/incidents/{incident['id']}",
        params={"on_behalf_of": "le directeur des systèmes d'information"},
        json={"version": incident["version"], "description": "Deux partages chiffrés."},
    )
    assert corrected.status_code == 200, corrected.text
    (change,) = corrected.json()["history"]
    assert (
        change["author"] == f"{RSSI}, pour le compte de : le directeur des systèmes d'information"
    )

    breach = (await rssi.get(f"{API}/breaches/{breach_id}")).json()
    assert breach["events"][0]["author"] == RSSI  # the declaration fanned out
    informed = await done(rssi, breach, "controller-notice")
    assert informed["events"][-1]["author"] == RSSI
    breach = (await dpo.get(f"{API}/breaches/{breach_id}")).json()

    breach = await done(
        dpo,
        breach,
        "assessment",
        context="simple",
        identification="negligible",
        confidentiality="none",
    )
    # The decision: "decided_by" is not for the client to write.
    wrong = await post(
        dpo, breach, "decision", risk_level="unlikely", notify_cnil=False,
        inform_people="no", reasons="Sauvegardes intactes.", decided_by="Le maire",
    )  # fmt: skip
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "decided_by"]
    breach = await done(
        dpo,
        breach,
        "decision",
        risk_level="risk",
        notify_cnil=True,
        inform_people="no",
        reasons="Données de contact exposées.",
        on_behalf_of=FOR_MAYOR,
    )
    signed = f"{DPO}, pour le compte de : {FOR_MAYOR}"
    assert breach["decided_by"] == signed
    assert breach["events"][-1]["action"] == "decide"
    assert breach["events"][-1]["author"] == signed
    assessed = next(e for e in breach["events"] if e["action"] == "assess")
    assert assessed["author"] == DPO

    breach = await done(
        dpo,
        breach,
        "notifications",
        sent_at=iso(ago(seconds=0)),
        summary="Notifiée.",
        followup_due_at=FOLLOWUP_DUE,
    )
    (cnil,) = [n for n in breach["notifications"] if n["recipient"] == "cnil"]
    assert cnil["recorded_by"] == DPO

    # Shown as such on the breach page.
    html = (await dpo.get(f"/violations/{breach_id}")).text
    assert "pour le compte de : le maire, sur l&#39;avis du DPO" in html
