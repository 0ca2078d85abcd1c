"""Signing in from the login page, and the dashboard each role sees."""

from tests.factories import API, ago, bodies, declare_on
from tests.web.conftest import csrf_of, sign_in


async def test_a_page_sends_a_stranger_to_the_login_page_and_back(browser, make_user, client):
    world = await bodies(client)
    user = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    http = await browser()
    answer = await http.get("/violations")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/connexion?suivant=/violations"
    form = await http.get("/connexion?suivant=/violations")
    assert form.status_code == 200 and "Mot de passe" in form.text
    signed = await http.post(
        "/connexion",
        data={
            "email": user.email,
            "password": "un mot de passe assez long",
            "suivant": "/violations",
        },
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/violations"
    assert "rgpd_session" in signed.headers["set-cookie"]
    assert "HttpOnly" in signed.headers["set-cookie"]


async def test_a_wrong_password_says_so_on_the_page_and_opens_nothing(browser, make_user, db):
    user = await make_user("dpd@vitry.fr")
    http = await browser()
    answer = await sign_in(http, user.email, "pas le bon")
    assert answer.status_code == 401
    assert "Connexion impossible" in answer.text
    assert "set-cookie" not in answer.headers
    assert (await http.get("/")).status_code == 303


async def test_the_login_goes_back_only_to_a_page_of_this_site(browser, make_user, db):
    user = await make_user("dpd@vitry.fr")
    http = await browser()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        answer = await http.post(
            "/connexion",
            data={"email": user.email, "password": "un mot de passe assez long", "suivant": target},
        )
        assert answer.headers["location"] == "/", target


async def test_a_login_posted_from_another_site_is_refused(browser, make_user, db):
    user = await make_user("dpd@vitry.fr")
    http = await browser()
    answer = await http.post(
        "/connexion",
        data={"email": user.email, "password": "un mot de passe assez long"},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403 and "set-cookie" not in answer.headers


async def test_the_dashboard_shows_the_running_clock_of_the_users_bodies_only(
    browser, make_user, client
):
    world = await bodies(client)
    breach = await declare_on(
        client, world["commune"], [world["activity"]["id"]], detected=ago(hours=1)
    )
    dpo = await make_user("dpd@vitry.fr", (world["commune"]["id"], "dpo"))
    page = (await (await browser(dpo)).get("/")).text
    assert f'href="/violations/{breach["id"]}"' in page
    assert "data-countdown" in page and "reste " in page
    assert "Commune de Vitry-sur-Seine" in page  # completeness of its register

    other = await client.post(
        f"{API}/organisations", json={"legal_name": "Commune voisine", "kind": "commune"}
    )
    stranger = await make_user("dpd@voisine.fr", (other.json()["id"], "dpo"))
    page = (await (await browser(stranger)).get("/")).text
    assert breach["id"] not in page and "Vitry" not in page


async def test_signing_out_closes_the_session(browser, make_user, db):
    user = await make_user("dpd@vitry.fr")
    http = await browser(user)
    home = await http.get("/")
    assert home.status_code == 200
    refused = await http.post("/deconnexion", data={})
    assert refused.status_code == 403  # no CSRF token: a forged sign-out is refused too
    out = await http.post("/deconnexion", data={"csrf_token": csrf_of(home.text)})
    assert out.status_code == 303
    assert (await http.get("/")).status_code == 303
