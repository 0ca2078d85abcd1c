"""The list of breaches: the ones in scope, open first, with the next deadline running."""

import re

from tests.factories import ago, bodies, declare_on, make_activity, make_org


async def test_the_list_shows_each_breach_in_scope_with_its_next_deadline(
    browser, make_user, client
):
    world = await bodies(client)
    processor_side = await declare_on(
        client, world["ept"], [world["activity"]["id"]], detected=ago(hours=2)
    )
    own = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=10)
    )
    elsewhere = await make_org(client, kind="commune", legal_name="Commune de Choisy-le-Roi")
    orly_activity = await make_activity(client, controller=elsewhere, name="État civil")
    hidden = await declare_on(client, elsewhere, [orly_activity["id"]], detected=ago(hours=1))

    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser(dpo)
    page = (await http.get("/violations")).text
    assert "Violations ouvertes (2)" in page
    for breach in (processor_side, own):
        assert f'href="/violations/{breach["id"]}">{breach["ref"]}</a>' in page
    assert hidden["id"] not in page and "Choisy" not in page
    rows = page.split("<tbody>")[1].split("</tr>")
    # The notice owed to the commune (about 22 h left) before its own 72 h (about 62 h left).
    assert processor_side["ref"] in rows[0] and "Information du responsable" in rows[0]
    assert "EPT Grand-Orly Seine Bièvre (essai)" in rows[0]
    assert own["ref"] in rows[1] and "Le responsable lui-même" in rows[1]
    assert re.search(r"reste 6[12] h \d\d min", rows[1])
    assert "Déclarée" in rows[1] and "data-countdown" in rows[1]

    # The processor's security officer sees the breach it must report, not the commune's own.
    rssi = await make_user("rssi@ept.fr", (world["ept"]["id"], "security_officer"))
    page = (await (await browser(rssi)).get("/violations?etat=toutes")).text
    assert "Toutes les violations (1)" in page
    assert processor_side["id"] in page and own["id"] not in page

    # An instance administrator filters by controller.
    admin = await make_user("admin@instance.fr", instance_admin=True)
    admin_http = await browser(admin)
    page = (await admin_http.get(f"/violations?organisme={elsewhere['id']}")).text
    assert hidden["id"] in page and own["id"] not in page
    assert f'<option value="{elsewhere["id"]}" selected>' in page
