"""The rules of issue 14 on accounts, through the API, the pages and the services they ask:
a password change ends the other sessions and the tokens; changing the second factor needs
the password and a current code; a token creates no token; a lockout cannot keep the owner
out; every account event is journaled without a secret; the cookie is Secure over TLS; the
TOTP secret is encrypted at rest."""

import json
from datetime import datetime, timedelta

import httpx
import pyotp
import pytest
from tortoise import connections

from api.app import create_app
from core import crypto
from core.accounts import service, sessions, throttle, tokens
from core.accounts.models import ApiToken, User, WebSession
from core.accounts.roles import Role
from core.audit.chain import INSTANCE_CHAIN
from core.audit.models import AuditEvent
from core.clock import utcnow
from core.errors import ValidationFailed
from tests.access.conftest import PASSWORD, new_client
from tests.factories import make_org
from tests.web.conftest import csrf_of, sign_in

API = "/api/v1"
NEW_PASSWORD = "une toute nouvelle phrase de passe"


async def _session(email: str, password: str = PASSWORD, **extra):
    """A client signed in through the API, its writes carrying the CSRF token."""
    http = new_client()
    answer = await http.post(
        f"{API}/auth/login", json={"email": email, "password": password, **extra}
    )
    assert answer.status_code == 200, answer.text
    http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return http


async def _bearer(user, days: int = 1):
    issued = await tokens.issue_token(user=user, name="outil", days=days, now=utcnow())
    return issued, new_client(headers={"Authorization": f"Bearer {issued.secret}"})


async def _account_events(user_id=None) -> list[AuditEvent]:
    query = AuditEvent.filter(chain=INSTANCE_CHAIN, entity_type="account")
    if user_id is not None:
        query = query.filter(entity_id=str(user_id))
    return await query.order_by("seq")


# Password -----------------------------------------------------------------------------------


async def test_a_password_change_ends_the_other_sessions_and_the_tokens(make_user):
    user = await make_user("dpd@vitry.fr")
    here = await _session(user.email)
    elsewhere = await _session(user.email)
    _, tool = await _bearer(user)
    for http in (here, elsewhere, tool):
        assert (await http.get(f"{API}/auth/me")).status_code == 200  # the premise

    wrong = await here.post(
        f"{API}/auth/password",
        json={"current_password": "pas le bon", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert "current_password" in wrong.text and "mot de passe actuel incorrect" in wrong.text
    short = await here.post(
        f"{API}/auth/password", json={"current_password": PASSWORD, "new_password": "court"}
    )
    assert short.status_code == 422
    assert "new_password" in short.text and "12" in short.text
    assert (await elsewhere.get(f"{API}/auth/me")).status_code == 200  # nothing changed

    done = await here.post(
        f"{API}/auth/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["sessions_closed"] == 1 and body["tokens_revoked"] == 1
    assert "cette session reste ouverte" in body["detail"]
    assert (await here.get(f"{API}/auth/me")).status_code == 200
    assert (await elsewhere.get(f"{API}/auth/me")).status_code == 401
    assert (await tool.get(f"{API}/auth/me")).status_code == 401
    await (await _session(user.email, NEW_PASSWORD)).aclose()
    for http in (here, elsewhere, tool):
        await http.aclose()

    (event,) = [e for e in await _account_events(user.id) if e.action == "account.password_change"]
    assert event.actor == user.email
    assert event.after["sessions_closed"] == 1 and event.after["tokens_revoked"] == 1
    assert NEW_PASSWORD not in json.dumps(event.after) and "argon2" not in json.dumps(event.after)


async def test_the_password_page_asks_the_current_one_and_says_what_it_ended(browser, make_user):
    user = await make_user("dpd@vitry.fr")
    http = await browser(user)
    other = await browser(user)
    form = await http.get("/compte/mot-de-passe")
    assert form.status_code == 200 and "toutes vos autres sessions sont fermées" in form.text
    token = csrf_of(form.text)
    fields = {"csrf_token": token, "new_password": NEW_PASSWORD}

    wrong = await http.post(
        "/compte/mot-de-passe",
        data={**fields, "current_password": "pas le bon", "new_password_again": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and 'id="err-current_password"' in wrong.text
    assert "mot de passe actuel incorrect" in wrong.text
    differ = await http.post(
        "/compte/mot-de-passe",
        data={**fields, "current_password": PASSWORD, "new_password_again": "autre chose"},
    )
    assert differ.status_code == 422 and "les deux saisies" in differ.text

    done = await http.post(
        "/compte/mot-de-passe",
        data={**fields, "current_password": PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert done.status_code == 200
    assert "Mot de passe changé : cette session reste ouverte" in done.text
    assert "1 autre session fermée" in done.text
    assert (await http.get("/compte")).status_code == 200
    assert (await other.get("/compte")).status_code == 303  # to the login page
    assert (await sign_in(await browser(), user.email, NEW_PASSWORD)).status_code == 303


async def test_an_operator_reset_ends_every_session_and_token(make_user):
    user = await make_user("dpd@vitry.fr")
    now = utcnow()
    await sessions.open_session(user=user, now=now)
    await tokens.issue_token(user=user, name="outil", days=3, now=now)
    changed = await service.reset_password(user, NEW_PASSWORD, now=now)
    assert (changed.sessions_closed, changed.tokens_revoked) == (1, 1)
    assert not await WebSession.filter(user_id=user.id).exists()
    assert not await ApiToken.filter(user_id=user.id, revoked_at__isnull=True).exists()
    with pytest.raises(ValidationFailed) as short:
        await service.reset_password(user, "court", now=now)
    assert short.value.problems[0].loc == ("new_password",)


# Second factor ------------------------------------------------------------------------------


def _secret_on(html: str) -> str:
    marker = 'name="secret" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


async def test_replacing_or_removing_totp_needs_the_password_and_a_current_code(browser, make_user):
    user = await make_user("dpd@vitry.fr")
    first = pyotp.TOTP(await service.enable_totp(user))
    http = await browser()
    now = utcnow()
    signed = await http.post(
        "/connexion",
        data={"email": user.email, "password": PASSWORD, "totp": first.at(now), "suivant": "/"},
    )
    assert signed.status_code == 303  # the premise: a session of an account with TOTP

    form = await http.get("/compte/totp")
    assert 'name="current_password"' in form.text and 'name="current_code"' in form.text
    token, secret = csrf_of(form.text), _secret_on(form.text)
    new_code = pyotp.TOTP(secret).at(now)
    attempt = {"csrf_token": token, "secret": secret, "code": new_code}

    session_alone = await http.post("/compte/totp", data=attempt)
    assert session_alone.status_code == 422 and 'id="err-current_password"' in session_alone.text
    without_code = await http.post("/compte/totp", data={**attempt, "current_password": PASSWORD})
    assert without_code.status_code == 422 and 'id="err-current_code"' in without_code.text
    assert "code de double authentification incorrect" in without_code.text
    assert (await User.get(id=user.id)).totp_secret == first.secret  # unchanged

    later = now + timedelta(seconds=30)
    replaced = await http.post(
        "/compte/totp",
        data={**attempt, "current_password": PASSWORD, "current_code": first.at(later)},
    )
    assert replaced.status_code == 303, replaced.text
    assert (await User.get(id=user.id)).totp_secret == secret

    token = csrf_of((await http.get("/compte/totp")).text)
    refused = await http.post(
        "/compte/totp/desactiver", data={"csrf_token": token, "current_password": PASSWORD}
    )
    assert refused.status_code == 422 and (await User.get(id=user.id)).totp_secret == secret
    removed = await http.post(
        "/compte/totp/desactiver",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "current_code": pyotp.TOTP(secret).at(later),  # the next step: one use per code
        },
    )
    assert removed.status_code == 200 and "Double authentification désactivée." in removed.text
    assert (await User.get(id=user.id)).totp_secret is None

    actions = [e.action for e in await _account_events(user.id)]
    assert actions.count("account.totp_enable") == 1
    assert actions.count("account.totp_replace") == 1
    assert actions.count("account.totp_remove") == 1
    journal = json.dumps([e.after for e in await AuditEvent.all()])
    assert first.secret not in journal and secret not in journal


async def test_the_totp_secret_is_encrypted_at_rest(make_user):
    user = await make_user("dpd@vitry.fr")
    secret = await service.enable_totp(user)
    conn = connections.get("default")
    rows = await conn.execute_query_dict("SELECT totp_secret FROM account_user")
    (stored,) = [r["totp_secret"] for r in rows]
    assert crypto.is_encrypted(stored) and secret not in stored
    assert (await User.get(id=user.id)).totp_secret == secret


# Tokens -------------------------------------------------------------------------------------


async def test_a_token_cannot_create_a_token_a_session_can(make_user):
    user = await make_user("dpd@vitry.fr")
    _, tool = await _bearer(user, days=2)
    refused = await tool.post(f"{API}/auth/tokens", json={"name": "rejeton", "days": 366})
    assert refused.status_code == 403
    assert "un jeton d'accès ne peut pas créer de jeton" in refused.json()["detail"]
    assert await ApiToken.filter(user_id=user.id).count() == 1
    # Nor through the account page, which a token may also reach.
    page = await tool.post("/compte/jetons", data={"name": "rejeton", "days": "366"})
    assert page.status_code == 403
    assert "rgpd_" not in page.text
    assert await ApiToken.filter(user_id=user.id).count() == 1
    await tool.aclose()

    http = await _session(user.email)
    too_long = await http.post(f"{API}/auth/tokens", json={"name": "long", "days": 400})
    assert too_long.status_code == 422 and "days" in too_long.text
    made = await http.post(f"{API}/auth/tokens", json={"name": "export", "days": 30})
    assert made.status_code == 201
    revoked = await http.delete(f"{API}/auth/tokens/{made.json()['id']}")
    assert revoked.status_code == 204
    await http.aclose()

    actions = [e.action for e in await _account_events(user.id)]
    assert actions.count("account.token_create") == 2  # the fixture's and the session's
    assert actions.count("account.token_revoke") == 1
    journal = json.dumps([e.after for e in await AuditEvent.all()])
    assert made.json()["secret"] not in journal
    assert made.json()["prefix"] in journal  # recognisable, not usable


# Lockout --------------------------------------------------------------------------------------


async def _try(email: str, password: str, ip: str, now):
    try:
        await service.authenticate(service.Credentials(email, password), ip=ip, now=now)
        return "ok"
    except service.TooManyAttempts:
        return "429"
    except service.LoginFailed:
        return "401"


async def test_nobody_can_lock_the_owner_out_of_their_account(make_user):
    user = await make_user("dpd@vitry.fr")
    now = utcnow()
    office, attacker, new_place = "192.0.2.10", "203.0.113.66", "192.0.2.77"
    assert await _try(user.email, PASSWORD, office, now) == "ok"  # the owner's address

    # One address guessing: it blocks only itself.
    tries = [await _try(user.email, "devine", attacker, now) for _ in range(7)]
    assert tries == ["401"] * 5 + ["429"] * 2
    assert await _try(user.email, PASSWORD, attacker, now) == "429"
    assert await _try(user.email, PASSWORD, office, now) == "ok"
    assert await _try(user.email, PASSWORD, new_place, now) == "ok"

    # Guesses spread over many addresses: the account limit stops them, and new addresses
    # wait; the owner's addresses do not.
    spread = [
        await _try(user.email, "devine", f"198.51.100.{n}", now)
        for n in range(1, throttle.MAX_FAILURES_PER_ACCOUNT + 5)
    ]
    assert spread.count("401") == throttle.MAX_FAILURES_PER_ACCOUNT - 5  # 5 were the attacker's
    assert set(spread[-5:]) == {"429"}
    assert await _try(user.email, PASSWORD, "192.0.2.200", now) == "429"
    assert await _try(user.email, PASSWORD, office, now) == "ok"
    assert await _try(user.email, PASSWORD, new_place, now) == "ok"

    # The window passes: everyone may try again.
    later = now + throttle.WINDOW + timedelta(seconds=1)
    assert await _try(user.email, PASSWORD, "192.0.2.200", later) == "ok"

    events = await _account_events(user.id)
    lockouts = [e.after for e in events if e.action == "account.lockout"]
    assert {lock["limit"] for lock in lockouts} == {"pair", "account"}
    assert len(lockouts) == 2  # journaled once per window, not at every refusal
    failed = [e for e in events if e.action == "account.login_failed"]
    assert len(failed) == throttle.MAX_FAILURES_PER_ACCOUNT
    assert failed[0].after == {"email": user.email, "address": attacker}
    assert "devine" not in json.dumps([e.after for e in events])


async def test_sign_ins_and_logouts_are_journaled(make_user, anon):
    user = await make_user("dpd@vitry.fr")
    assert (
        await anon.post(f"{API}/auth/login", json={"email": "personne@vitry.fr", "password": "x"})
    ).status_code == 401
    login = await anon.post(f"{API}/auth/login", json={"email": user.email, "password": PASSWORD})
    logout = await anon.post(
        f"{API}/auth/logout", headers={"X-CSRF-Token": login.json()["csrf_token"]}
    )
    assert logout.status_code == 204
    events = await _account_events()
    actions = [(e.action, e.actor) for e in events]
    assert ("account.create", "système") in actions
    assert ("account.login_failed", "inconnu") in actions
    assert ("account.login", user.email) in actions
    assert ("account.logout", user.email) in actions
    unknown = next(e for e in events if e.action == "account.login_failed")
    assert unknown.entity_id is None and "personne@vitry.fr" not in json.dumps(unknown.after)
    assert PASSWORD not in json.dumps([e.after for e in events])


# The cookie -----------------------------------------------------------------------------------


async def test_the_cookie_is_secure_whenever_the_request_came_over_tls(make_user, settings_env):
    user = await make_user("dpd@vitry.fr")
    settings_env(base_url="http://127.0.0.1:8000")  # the default, as behind nginx
    body = {"email": user.email, "password": PASSWORD}
    async with new_client() as plain:
        cookie = (await plain.post(f"{API}/auth/login", json=body)).headers["set-cookie"]
        assert "secure" not in cookie.lower()  # plain http on the loopback: the demo
    app = create_app(manage_database=False)
    transport = httpx.ASGITransport(app=app)  # scheme https, as uvicorn sets behind the proxy
    async with httpx.AsyncClient(transport=transport, base_url="https://rgpd.exemple.fr") as tls:
        cookie = (await tls.post(f"{API}/auth/login", json=body)).headers["set-cookie"]
        assert "; secure" in cookie.lower()
        page = await tls.post(
            "/connexion",
            data={**body, "suivant": "/"},
            headers={"Origin": "https://rgpd.exemple.fr"},
        )
        assert page.status_code == 303 and "; secure" in page.headers["set-cookie"].lower()
    # A forged header from a client is not TLS: only the scheme uvicorn sets counts.
    async with new_client() as forged:
        headers = {"X-Forwarded-Proto": "https"}
        cookie = (await forged.post(f"{API}/auth/login", json=body, headers=headers)).headers
        assert "secure" not in cookie["set-cookie"].lower()


async def test_a_tokens_lifetime_follows_the_instances_policy(make_user, settings_env):
    settings_env(token_max_days=30)
    user = await make_user("dpd@vitry.fr")
    http = await _session(user.email)
    refused = await http.post(f"{API}/auth/tokens", json={"name": "long", "days": 31})
    assert refused.status_code == 422
    assert "days" in refused.text and "entre 1 et 30 jours" in refused.text
    made = await http.post(f"{API}/auth/tokens", json={"name": "sans durée"})
    assert made.status_code == 201
    made_at, ends = made.json()["created_at"], made.json()["expires_at"]
    lifetime = datetime.fromisoformat(ends) - datetime.fromisoformat(made_at)
    assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30, seconds=1)
    await http.aclose()


async def test_role_changes_are_journaled(make_user, client):
    org = await make_org(client, legal_name="Commune de Vitry-sur-Seine")
    user = await make_user("dpd@vitry.fr")
    assert await service.grant(user, organisation_id=org["id"], role=Role.DPO)
    assert not await service.grant(user, organisation_id=org["id"], role=Role.DPO)  # held
    assert await service.revoke(user, organisation_id=org["id"]) == 1
    changes = [(e.action, e.after) for e in await _account_events(user.id) if "role" in e.action]
    assert changes == [
        ("account.role_grant", {"email": user.email, "organisation_id": org["id"], "role": "dpo"}),
        (
            "account.role_revoke",
            {"email": user.email, "organisation_id": org["id"], "roles": ["dpo"]},
        ),
    ]
