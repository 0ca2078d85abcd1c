"""A decision below the ENISA result needs its justification; every assessment is kept with its
author and time, read by the controller's people only (issue 15; EDPB 9/2022 §III.B)."""

import csv
import html
import io
import re

from breach.breaches.assessments import BreachAssessment, band_risk, below_band
from breach.enums import RiskLevel
from tests.factories import (
    API,
    ASSESS,
    DECIDE_HIGH,
    DECIDE_RISK,
    DECIDE_UNLIKELY,
    ago,
    assert_refused,
    bodies,
    declare_on,
    done,
    post,
    read,
    with_facts,
)
from tests.web.conftest import browser, client_as, csrf_of, make_user  # noqa: F401

# DPC 4 × EI 1 + CB: « très élevée » whatever the circumstances' weights.
ASSESS_VERY_HIGH = {
    "context": "sensitive",
    "identification": "maximum",
    "confidentiality": "unknown_recipients",
    "malicious": True,
}
# DPC 2 × EI 1 + CB 0 = 2: the floor of « moyenne ».
ASSESS_MEDIUM = {"context": "behavioural", "identification": "maximum"}
JUSTIFICATION = "Fichier chiffré (AES-256), clé non compromise : aucune donnée lisible exposée."


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def processor_breach(client) -> tuple[dict, dict]:
    """The EPT's system hit, the commune informed: the commune's clock runs."""
    world = await bodies(client)
    breach = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=3)
    )
    breach = await done(client, breach, "controller-notice")
    return world, await with_facts(client, breach)


async def test_very_high_decided_unlikely_needs_a_justification(client, browser, make_user):  # noqa: F811
    world, breach = await processor_breach(client)
    breach = await done(client, breach, "assessment", **ASSESS_VERY_HIGH)
    assert breach["severity_band"] == "very_high"  # the premise
    assert breach["band_risk_level"] == "high"

    refused = await post(client, breach, "decision", **DECIDE_UNLIKELY)
    assert_refused(
        refused,
        ["body", "below_band_justification"],
        "la justification de cet écart est obligatoire",
    )
    assert "très élevée" in refused.text.lower() or "Très élevée" in refused.text
    unchanged = await read(client, f"/breaches/{breach['id']}")
    assert (unchanged["version"], unchanged["risk_level"]) == (breach["version"], None)

    # A blank justification is none.
    blank = await post(client, breach, "decision", **DECIDE_UNLIKELY, below_band_justification=" ")
    assert blank.status_code == 422

    decided = await done(
        client, breach, "decision", **DECIDE_UNLIKELY, below_band_justification=JUSTIFICATION
    )
    assert (decided["risk_level"], decided["notify_cnil"]) == ("unlikely", False)
    assert decided["below_band_justification"] == JUSTIFICATION
    assert JUSTIFICATION in decided["events"][-1]["note"]

    # On the page and in the breach register, with the score and the band.
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    page = text_of((await (await browser(dpo)).get(f"/violations/{breach['id']}")).text)
    assert f"Écart avec l'évaluation ENISA {JUSTIFICATION}" in page
    answer = await client.get(
        f"{API}/organisations/{world['commune']['id']}/exports/breach-register",
        params={"format": "csv"},
    )
    assert answer.status_code == 200
    (row,) = csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")))
    assert row["Justification de l'écart avec l'évaluation ENISA"] == JUSTIFICATION
    (severity,) = [v for k, v in row.items() if k.startswith("Gravité (méthode ENISA)")]
    assert severity.startswith("SE = ") and "Très élevée" in severity
    assert row["Motifs de la décision"] == DECIDE_UNLIKELY["reasons"]
    assert row["Niveau de risque retenu"] == "Risque improbable"


async def test_at_the_band_no_justification_is_asked_nor_kept(client):
    _, breach = await processor_breach(client)
    breach = await done(client, breach, "assessment", **ASSESS_MEDIUM)
    assert breach["severity_band"] == "medium"  # the premise: the floor of the band
    refused = await post(client, breach, "decision", **DECIDE_UNLIKELY)
    assert_refused(refused, ["body", "below_band_justification"], "évaluation ENISA")

    decided = await done(
        client, breach, "decision", **DECIDE_RISK, below_band_justification="Sans objet."
    )
    assert decided["below_band_justification"] is None
    # Above the band: prudence needs no justification either.
    decided = await done(client, decided, "decision", **DECIDE_HIGH)
    assert decided["risk_level"] == "high" and decided["below_band_justification"] is None


async def test_a_low_band_decided_unlikely_is_free(client):
    _, breach = await processor_breach(client)
    breach = await done(client, breach, "assessment", **ASSESS)
    assert breach["severity_band"] == "low"  # the premise
    decided = await done(client, breach, "decision", **DECIDE_UNLIKELY)
    assert decided["risk_level"] == "unlikely"


async def test_every_assessment_is_kept_with_its_author(
    client,
    make_user,  # noqa: F811
    client_as,  # noqa: F811
    browser,  # noqa: F811
):
    world, breach = await processor_breach(client)
    first = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    second = await make_user("adjoint-dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    breach = await done(await client_as(first), breach, "assessment", **ASSESS)
    breach = await done(await client_as(second), breach, "assessment", **ASSESS_VERY_HIGH)

    seen = await read(client, f"/breaches/{breach['id']}")
    assert [a["severity_band"] for a in seen["assessments"]] == ["low", "very_high"]
    assert "dpd@vitry.fr" in seen["assessments"][0]["author"]
    assert "adjoint-dpd@vitry.fr" in seen["assessments"][1]["author"]
    assert seen["assessments"][0]["at"] <= seen["assessments"][1]["at"]
    assert seen["assessments"][0]["assessment"]["inputs"]["context"] == "simple"
    assert seen["assessment"]["band"] == "very_high"  # the current one is the latest

    page = (await (await browser(first)).get(f"/violations/{breach['id']}")).text
    assert 'id="assessment-history"' in page
    history = text_of(page.split('id="assessment-history"')[1].split("</table>")[0])
    assert "dpd@vitry.fr" in history and "adjoint-dpd@vitry.fr" in history

    # The processor's people never see the assessments.
    rssi = await make_user("rssi@ept.fr", (world["ept"]["id"], "security_officer"))
    source = await (await client_as(rssi)).get(f"{API}/breaches/{breach['id']}")
    assert source.status_code == 200
    assert source.json()["view"] == "source"
    assert source.json()["assessments"] == [] and source.json()["band_risk_level"] is None
    assert "adjoint-dpd@vitry.fr" not in source.text
    source_page = (await (await browser(rssi)).get(f"/violations/{breach['id']}")).text
    assert 'id="assessment-history"' not in source_page


def test_the_band_and_the_recommendation_map_to_a_level_of_risk():
    assert band_risk(None) is None
    assert band_risk({"band": "low", "recommendation": "document_only"}) == RiskLevel.UNLIKELY
    assert band_risk({"band": "medium"}) == RiskLevel.RISK
    assert band_risk({"band": "very_high"}) == RiskLevel.HIGH
    # The art. 9/10 floor raises a low band to notifying the CNIL.
    assert band_risk({"band": "low", "recommendation": "notify_cnil"}) == RiskLevel.RISK
    assert below_band(RiskLevel.RISK, {"band": "high"}) == RiskLevel.HIGH
    assert below_band(RiskLevel.HIGH, {"band": "high"}) is None
    assert below_band(RiskLevel.UNLIKELY, None) is None


async def test_a_breach_assessed_before_the_history_shows_its_current_assessment(client):
    _, breach = await processor_breach(client)
    breach = await done(client, breach, "assessment", **ASSESS)
    # As stored before migration 0016: the assessment on the breach, no history row.
    deleted = await BreachAssessment.filter(breach_id=breach["id"]).delete()
    assert deleted == 1  # the premise: the row was written, and is gone
    (shown,) = (await read(client, f"/breaches/{breach['id']}"))["assessments"]
    assert (shown["severity_band"], shown["author"]) == ("low", None)
    assert shown["assessment"] == breach["assessment"]


async def test_the_page_form_asks_for_the_justification(client, browser, make_user):  # noqa: F811
    world, breach = await processor_breach(client)
    breach = await done(client, breach, "assessment", **ASSESS_VERY_HIGH)
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    url = f"/violations/{breach['id']}"
    page = (await http.get(url)).text
    assert 'name="decision-below_band_justification"' in page
    fields = {
        "csrf_token": csrf_of(page),
        "version": str(breach["version"]),
        "decision-risk_level": "unlikely",
        "decision-notify_cnil": "non",
        "decision-inform_people": "no",
        "decision-reasons": DECIDE_UNLIKELY["reasons"],
    }
    refused = await http.post(f"{url}/decision", data=fields)
    assert refused.status_code == 422
    error = refused.text.split('id="err-decision-below_band_justification"')[1][:500]
    assert "justification de cet écart est obligatoire" in html.unescape(error)
    recorded = await http.post(
        f"{url}/decision", data={**fields, "decision-below_band_justification": JUSTIFICATION}
    )
    assert recorded.status_code == 303, recorded.text[:300]
    decided = await read(client, f"/breaches/{breach['id']}")
    assert decided["below_band_justification"] == JUSTIFICATION
