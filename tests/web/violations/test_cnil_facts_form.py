"""The breach page's forms for what the CNIL document needs: the other authorities told and the
cross-border answer among the facts, the ENISA conditions (misuse of altered data, data
unintelligible, an adjustment per data category) on the assessment, and the complete
notification offered beside the initial one."""

import html

import pytest

from breach.enisa_scales import MISUSE_UNANSWERED
from tests.factories import ago, bodies, declare_on, done, read, with_facts
from tests.web.violations.test_breach_page import post_form, text_of


@pytest.fixture
async def world(client):
    return await bodies(client)


@pytest.fixture
async def own(client, world):
    declared = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=5)
    )
    return await with_facts(client, declared)


async def test_the_facts_form_records_a_complaint_and_the_cross_border_answer(
    browser, make_user, client, world, own
):
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    url = f"/violations/{own['id']}"
    page = (await http.get(url)).text
    assert 'name="facts-other_authorities_answer" value="" checked' in page  # not known yet

    # « Oui » with no authority named: refused beside the rows, nothing written.
    refused = await post_form(
        http, page, f"{url}/faits", **{"facts-other_authorities_answer": "oui"}
    )
    assert refused.status_code == 422
    assert "indiquez au moins une autorité informée" in refused.text
    # A complaint without its date: refused beside the date of that row.
    refused = await post_form(
        http,
        page,
        f"{url}/faits",
        **{
            "facts-other_authorities_answer": "oui",
            "facts-other_authorities-0-kind": "police",
            "facts-other_authorities-0-name": "Commissariat de Vitry-sur-Seine",
        },
    )
    assert refused.status_code == 422
    assert 'id="err-facts-other_authorities-0-on"' in refused.text
    assert (await read(client, f"/breaches/{own['id']}"))["other_authorities"] is None

    saved = await post_form(
        http,
        page,
        f"{url}/faits",
        **{
            "facts-data_categories": ["contact_details"],
            "facts-subject_categories": ["users"],
            "facts-approx_subjects": "1200",
            "facts-other_authorities_answer": "oui",
            "facts-other_authorities-0-kind": "police",
            "facts-other_authorities-0-name": "Commissariat de Vitry-sur-Seine",
            "facts-other_authorities-0-on": "2026-03-02",
            "facts-other_authorities-0-reference": "PV 2026/00417",
            "facts-cross_border": "non",
        },
    )
    assert saved.status_code == 303, saved.text
    seen = await read(client, f"/breaches/{own['id']}")
    assert seen["other_authorities"] == [
        {
            "kind": "police",
            "name": "Commissariat de Vitry-sur-Seine",
            "on": "2026-03-02",
            "reference": "PV 2026/00417",
        }
    ]
    assert (seen["cross_border"], seen["other_member_states"]) == (False, [])
    page = (await http.get(url)).text
    assert 'name="facts-other_authorities_answer" value="oui" checked' in page
    assert 'name="facts-cross_border" value="non" checked' in page
    assert 'value="2026-03-02"' in page


async def test_the_assessment_form_takes_the_method_conditions(
    browser, make_user, client, world, own
):
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    url = f"/violations/{own['id']}"
    page = (await http.get(url)).text
    assert 'name="assess-unintelligible"' in page
    assert 'name="assess-integrity_possibly_misused"' in page
    assert '<option value="0.5"' not in page  # whole points only

    assessed = await post_form(
        http,
        page,
        f"{url}/evaluation",
        **{
            "assess-context": "financial",
            "assess-identification": "maximum",
            "assess-confidentiality": "unknown_recipients",
            "assess-integrity": "altered_recoverable",
            "assess-integrity_possibly_misused": "non",
            "assess-unintelligible": "on",
            "assess-adjustments-0-category": "simple",
            "assess-adjustments-0-delta": "3",
            "assess-adjustments-0-justification": "Liste d'enfants placés",
        },
    )
    assert assessed.status_code == 303, assessed.text
    stored = (await read(client, f"/breaches/{own['id']}"))["assessment"]
    # Unintelligible: EI 0, confidentiality 0; altered but not misused (« Non »): 0.
    assert (stored["dpc_final"], stored["ei"], stored["cb"], stored["se"]) == ("4", "0", "0", "0")
    assert stored["inputs"]["integrity_possibly_misused"] is False
    seen = text_of((await http.get(url)).text)
    assert "EI, facilité d'identification 0 (données inintelligibles)" in seen
    assert "Contexte ajusté (données simples) : 1 + 3 = 4." in seen

    # Half a point typed by hand: refused beside the adjustments, in French.
    page = (await http.get(url)).text
    refused = await post_form(
        http,
        page,
        f"{url}/evaluation",
        **{
            "assess-context": "financial",
            "assess-identification": "maximum",
            "assess-adjustments-0-delta": "0.5",
            "assess-adjustments-0-justification": "volume",
        },
    )
    assert refused.status_code == 422
    assert "par points entiers" in refused.text


async def test_the_cnil_section_offers_a_complete_notification(
    browser, make_user, client, world, own
):
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    assert own["aware_at"] is not None  # its own system: aware from detection
    await done(client, own, "assessment", context="simple", identification="limited")
    http = await browser(dpo)
    url = f"/violations/{own['id']}"
    page = (await http.get(url)).text
    assert f'href="{url}?phase=complete#cnil"' in page
    complete = (await http.get(f"{url}?phase=complete")).text
    assert 'name="cnil-phase" value="complete"' in complete
    assert "Notification complète : tous les éléments sont connus" in text_of(complete)


async def test_an_integrity_loss_with_the_misuse_left_unanswered_is_refused_on_the_page(
    browser, make_user, client, world, own
):
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    url = f"/violations/{own['id']}"
    page = (await http.get(url)).text
    assert 'name="assess-integrity_possibly_misused" value="" checked' in page  # premise
    form = {
        "assess-context": "simple",
        "assess-identification": "limited",
        "assess-integrity": "altered_unrecoverable",
    }
    refused = await post_form(http, page, f"{url}/evaluation", **form)
    assert refused.status_code == 422
    assert 'id="f-assess-integrity_possibly_misused"' in refused.text
    assert MISUSE_UNANSWERED in html.unescape(refused.text)
    assert "has-error" in refused.text.split('id="f-assess-integrity_possibly_misused"')[0][-200:]
    assert (await read(client, f"/breaches/{own['id']}"))["assessment"] is None
    # Answered « Oui »: 1 × 0.5 + 0.5 (not recoverable, possibly misused) = 1.
    assessed = await post_form(
        http, page, f"{url}/evaluation", **form, **{"assess-integrity_possibly_misused": "oui"}
    )
    assert assessed.status_code == 303, assessed.text
    stored = (await read(client, f"/breaches/{own['id']}"))["assessment"]
    assert stored["inputs"]["integrity_possibly_misused"] is True
    page = (await http.get(url)).text
    assert 'name="assess-integrity_possibly_misused" value="oui" checked' in page
