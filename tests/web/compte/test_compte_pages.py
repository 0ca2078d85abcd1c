"""The account pages: roles in each body, API tokens (the secret shown once, working as a
bearer token, revoked), and turning on the second factor that the login then asks for."""

import re
from datetime import timedelta

import pyotp
import pytest

from core.accounts import service, tokens, totp
from core.clock import utcnow
from core.errors import ValidationFailed
from tests.access.conftest import new_client
from tests.factories import API, make_org
from tests.web.conftest import csrf_of, sign_in

PASSWORD = "un mot de passe assez long"


async def test_the_account_page_shows_the_bodies_and_french_roles(browser, make_user, client):
    vitry = await make_org(client, legal_name="Commune de Vitry-sur-Seine")
    ept = await make_org(client, kind="ept", legal_name="EPT Grand-Orly Seine Bièvre")
    user = await make_user(
        "helene@vitry.fr", (vitry["id"], "dpo"), (vitry["id"], "auditor"), (ept["id"], "auditor")
    )
    page = await (await browser(user)).get("/compte")
    assert page.status_code == 200
    assert "helene@vitry.fr" in page.text
    assert "Commune de Vitry-sur-Seine" in page.text and "EPT Grand-Orly Seine Bièvre" in page.text
    assert "auditeur, délégué à la protection des données" in page.text
    assert "Non activée" in page.text and 'href="/compte/totp"' in page.text
    assert 'href="/compte/jetons"' in page.text


async def me_with(secret: str):
    async with new_client(headers={"Authorization": f"Bearer {secret}"}) as http:
        return await http.get(f"{API}/auth/me")


async def test_a_token_is_shown_once_works_as_a_bearer_and_can_be_revoked(
    browser, make_user, client
):
    vitry = await make_org(client, legal_name="Commune de Vitry-sur-Seine")
    user = await make_user("dpd@vitry.fr", (vitry["id"], "dpo"))
    http = await browser(user)
    page = await http.get("/compte/jetons")
    assert "Vous n'avez aucun jeton" in page.text
    token = csrf_of(page.text)

    refused = await http.post(
        "/compte/jetons", data={"csrf_token": token, "name": "Outil d'audit", "days": "400"}
    )
    assert refused.status_code == 422
    assert 'id="err-days"' in refused.text and 'value="Outil d&#39;audit"' in refused.text
    assert await tokens.list_tokens(user_id=user.id) == []

    made = await http.post(
        "/compte/jetons", data={"csrf_token": token, "name": "Outil d'audit", "days": "30"}
    )
    assert made.status_code == 200
    assert made.headers["cache-control"] == "no-store"
    (secret,) = set(re.findall(r"rgpd_[A-Za-z0-9_-]{20,}", made.text))
    assert "il ne sera plus jamais affiché" in made.text

    me = await me_with(secret)
    assert me.status_code == 200 and me.json()["user"]["email"] == "dpd@vitry.fr"

    listed = await http.get("/compte/jetons")
    assert "Outil d&#39;audit" in listed.text and secret not in listed.text
    assert secret[:11] in listed.text  # its prefix, to recognise it
    assert "Actif" in listed.text
    (made_token,) = await tokens.list_tokens(user_id=user.id)

    forged = await http.post(f"/compte/jetons/{made_token.id}/revoquer", data={})
    assert forged.status_code == 403
    revoked = await http.post(
        f"/compte/jetons/{made_token.id}/revoquer", data={"csrf_token": token}
    )
    assert revoked.status_code == 303
    assert revoked.headers["location"] == "/compte/jetons?fait=jeton-revoque"
    after = await http.get(revoked.headers["location"])
    assert "Jeton révoqué." in after.text and "Révoqué le" in after.text
    assert (await me_with(secret)).status_code == 401


async def test_another_users_token_cannot_be_revoked(browser, make_user, client):
    owner = await make_user("dpd@vitry.fr")
    issued = await tokens.issue_token(user=owner, name="le sien", days=5, now=utcnow())
    other = await make_user("dpd@sceaux.fr")
    http = await browser(other)
    token = csrf_of((await http.get("/compte/jetons")).text)
    answer = await http.post(
        f"/compte/jetons/{issued.token.id}/revoquer", data={"csrf_token": token}
    )
    assert answer.status_code == 404
    assert "le sien" not in (await http.get("/compte/jetons")).text
    assert (await me_with(issued.secret)).status_code == 200


def secret_on(html: str) -> str:
    return re.search(r'name="secret" value="([A-Z2-7]+)"', html).group(1)


async def test_turning_on_totp_makes_the_login_ask_for_the_code(browser, make_user, db):
    user = await make_user("dpd@vitry.fr")
    http = await browser(user)
    form = await http.get("/compte/totp")
    assert form.status_code == 200
    secret = secret_on(form.text)
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in form.text
    assert "otpauth://totp/registre-rgpd:dpd%40vitry.fr?secret=" + secret in form.text
    token = csrf_of(form.text)

    wrong = await http.post(
        "/compte/totp",
        data={
            "csrf_token": token,
            "secret": secret,
            "code": "000000",
            "current_password": PASSWORD,
        },
    )
    assert wrong.status_code == 422 and 'id="err-code"' in wrong.text
    assert secret_on(wrong.text) == secret  # the same key: the app already holds it
    assert (await service.get_user(user.email)).totp_secret is None

    now = utcnow()
    code = pyotp.TOTP(secret).at(now)
    done = await http.post(
        "/compte/totp",
        data={"csrf_token": token, "secret": secret, "code": code, "current_password": PASSWORD},
    )
    assert done.status_code == 303 and done.headers["location"] == "/compte?fait=totp-active"
    account = await http.get(done.headers["location"])
    assert "Double authentification activée." in account.text and "Activée" in account.text

    browser_two = await browser()
    without = await sign_in(browser_two, user.email)
    assert without.status_code == 401 and "Connexion impossible" in without.text
    replayed = await browser_two.post(
        "/connexion", data={"email": user.email, "password": PASSWORD, "totp": code}
    )
    assert replayed.status_code == 401  # the code that turned it on is spent
    later = pyotp.TOTP(secret).at(now + timedelta(seconds=30))
    signed = await browser_two.post(
        "/connexion", data={"email": user.email, "password": PASSWORD, "totp": later}
    )
    assert signed.status_code == 303, signed.text


async def test_a_forged_totp_secret_is_refused(browser, make_user, db):
    user = await make_user("dpd@vitry.fr")
    http = await browser(user)
    token = csrf_of((await http.get("/compte/totp")).text)
    answer = await http.post(
        "/compte/totp",
        data={
            "csrf_token": token,
            "secret": "pas-une-cle",
            "code": "123456",
            "current_password": PASSWORD,
        },
    )
    assert answer.status_code == 422 and "recommencez" in answer.text
    assert (await service.get_user(user.email)).totp_secret is None


# The account services the pages use -----------------------------------------------------------


async def test_confirm_totp_stores_the_secret_only_with_a_current_code(make_user):
    user = await make_user("dpd@vitry.fr")
    secret = totp.new_secret()
    now = utcnow()
    given = service.Confirmation(PASSWORD)
    with pytest.raises(ValidationFailed) as refused:
        await service.confirm_totp(
            user,
            given,
            secret=secret,
            code=pyotp.TOTP(secret).at(now - timedelta(minutes=5)),
            ip="127.0.0.1",
            now=now,
        )
    assert refused.value.problems[0].loc == ("code",)
    with pytest.raises(ValidationFailed):
        await service.confirm_totp(
            user, given, secret="abc", code="123456", ip="127.0.0.1", now=now
        )
    assert (await service.get_user(user.email)).totp_secret is None

    await service.confirm_totp(
        user, given, secret=secret, code=pyotp.TOTP(secret).at(now), ip="127.0.0.1", now=now
    )
    stored = await service.get_user(user.email)
    assert stored.totp_secret == secret
    assert stored.totp_last_step == int(now.timestamp()) // 30
    assert totp.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


async def test_list_tokens_gives_one_users_tokens_newest_first(make_user):
    user = await make_user("dpd@vitry.fr")
    other = await make_user("dpd@sceaux.fr")
    now = utcnow()
    first = await tokens.issue_token(user=user, name="premier", days=1, now=now)
    second = await tokens.issue_token(user=user, name="second", days=1, now=now)
    await tokens.issue_token(user=other, name="autre", days=1, now=now)
    listed = await tokens.list_tokens(user_id=user.id)
    assert {t.id for t in listed} == {first.token.id, second.token.id}
    assert [t.created_at for t in listed] == sorted((t.created_at for t in listed), reverse=True)
