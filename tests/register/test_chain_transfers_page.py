"""The activity's sheet shows the transfers its sub-processor chain makes, and flags one with
no mechanism, as the controller's record does."""

from tests.register.test_chain_transfers import _chain
from tests.web.conftest import browser, client_as, make_user  # noqa: F401 (fixtures)


async def test_sheet_lists_the_chain_transfer_and_flags_the_missing_mechanism(
    client,
    make_user,  # noqa: F811
    browser,  # noqa: F811
):
    w = await _chain(client, country="US", data_locations=["FR"])
    dpo = await make_user("dpd@vitry.test", (w["commune"]["id"], "dpo"))
    http = await browser(dpo)

    page = await http.get(f"/registre/{w['activity']['id']}")

    assert page.status_code == 200, page.text
    html = page.text
    assert "Par la chaîne de sous-traitance" in html
    assert "via le sous-traitant ultérieur Cloud Corp du Syndicat informatique" in html
    assert "Aucun transfert fait par le responsable lui-même." in html
    assert 'id="transferts-chaine-manquants"' in html
    assert "Transfert hors de l&#39;Union vers US sans mécanisme" in html


async def test_sheet_shows_the_mechanism_and_no_warning_once_given(
    client,
    make_user,  # noqa: F811
    browser,  # noqa: F811
):
    w = await _chain(client, country="US", data_locations=["US"], transfer_mechanism="bcr_47")
    dpo = await make_user("dpd@vitry.test", (w["commune"]["id"], "dpo"))
    http = await browser(dpo)

    html = (await http.get(f"/registre/{w['activity']['id']}")).text

    assert "Règles d&#39;entreprise contraignantes (art. 47)" in html
    assert "transferts-chaine-manquants" not in html
