"""Sign-in, sessions, CSRF, tokens, TOTP, rate limit, security headers, public routes."""

import hashlib
from datetime import timedelta

import httpx
import pyotp
from fastapi.routing import iter_route_contexts

from api.app import create_app
from core.accounts.models import ApiToken, LoginCounter
from core.accounts.service import enable_totp
from core.clock import utcnow
from tests.access.conftest import PASSWORD, new_client

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
TOKENS = "/api/v1/auth/tokens"
PUBLIC = {"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", LOGIN}


async def _login(http, email, password=PASSWORD, **extra):
    return await http.post(LOGIN, json={"email": email, "password": password, **extra})


async def _signed_in(anon, user):
    """`anon` signed in as `user` (a session, as a person at a browser or a script), its
    writes carrying the session's CSRF token: tokens are made from a session only."""
    response = await _login(anon, user.email)
    assert response.status_code == 200, response.text
    anon.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return anon


async def test_login_opens_a_session_and_me_answers(anon, make_user, client):
    org = (
        await client.post(
            "/api/v1/organisations", json={"legal_name": "Commune A", "kind": "commune"}
        )
    ).json()
    await make_user("dpd@a.fr", (org["id"], "dpo"))
    response = await _login(anon, "DPD@a.fr")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["csrf_token"] and body["user"]["email"] == "dpd@a.fr"
    me = await anon.get(ME)  # the cookie alone
    assert me.status_code == 200
    membership = me.json()["memberships"][0]
    assert membership["organisation_name"] == "Commune A"
    assert membership["roles"] == ["dpo"]
    assert "manage_breach" in membership["permissions"]
    assert "manage_accounts" not in membership["permissions"]


async def test_a_failed_login_says_the_same_for_an_unknown_account(anon, make_user):
    await make_user("rssi@a.fr")
    wrong = await _login(anon, "rssi@a.fr", "pas le bon mot de passe")
    unknown = await _login(anon, "personne@a.fr", "pas le bon mot de passe")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "identifiants incorrects"}
    assert "set-cookie" not in wrong.headers and "set-cookie" not in unknown.headers
    assert (await anon.get(ME)).status_code == 401


async def test_an_inactive_account_cannot_sign_in(anon, make_user):
    user = await make_user("parti@a.fr")
    user.active = False
    await user.save()
    assert (await _login(anon, "parti@a.fr")).json() == {"detail": "identifiants incorrects"}


async def test_five_failures_for_one_email_give_429_with_retry_after(anon, make_user):
    await make_user("cible@a.fr")
    for _ in range(5):
        assert (await _login(anon, "cible@a.fr", "mauvais mot de passe")).status_code == 401
    blocked = await _login(anon, "cible@a.fr")  # even the right password
    assert blocked.status_code == 429
    assert "trop de tentatives" in blocked.json()["detail"]
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60 + 1
    # Counted in the database (shared by every worker), then the window passes.
    await LoginCounter.all().update(window_start=int(utcnow().timestamp()) - 16 * 60)
    assert (await _login(anon, "cible@a.fr")).status_code == 200


async def test_twenty_failures_from_one_address_give_429(anon):
    for n in range(20):
        assert (await _login(anon, f"inconnu{n}@a.fr", "mauvais mot de passe")).status_code == 401
    assert (await _login(anon, "autre@a.fr", "mauvais mot de passe")).status_code == 429


async def test_session_cookie_flags(anon, make_user, settings_env):
    await make_user("dpd@a.fr")
    local = (await _login(anon, "dpd@a.fr")).headers["set-cookie"].lower()
    assert local.startswith("rgpd_session=")
    assert "httponly" in local and "samesite=strict" in local and "path=/" in local
    assert "secure" not in local  # http on the loopback: the demo
    settings_env(base_url="https://rgpd.example.fr")
    public = (await _login(anon, "dpd@a.fr")).headers["set-cookie"].lower()
    assert "; secure" in public and "httponly" in public and "samesite=strict" in public


async def test_csrf_token_required_for_writes_with_the_cookie(anon, make_user):
    await make_user("admin@a.fr", instance_admin=True)
    csrf = (await _login(anon, "admin@a.fr")).json()["csrf_token"]
    payload = {"legal_name": "Commune par session", "kind": "commune"}
    refused = await anon.post("/api/v1/organisations", json=payload)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    wrong = await anon.post("/api/v1/organisations", json=payload, headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    accepted = await anon.post(
        "/api/v1/organisations", json=payload, headers={"X-CSRF-Token": csrf}
    )
    assert accepted.status_code == 201, accepted.text
    assert (await anon.get("/api/v1/organisations")).status_code == 200  # reads need none
    # A form field does as well as the header (HTML forms).
    form = await anon.post("/api/v1/auth/logout", data={"csrf_token": csrf})
    assert form.status_code == 204
    assert (await anon.get(ME)).status_code == 401  # the session is closed


async def test_bearer_requests_need_no_csrf_token(client):
    response = await client.post(
        "/api/v1/organisations", json={"legal_name": "Par jeton", "kind": "commune"}
    )
    assert response.status_code == 201


async def test_logout_without_the_csrf_token_is_refused(anon, make_user):
    await make_user("dpd@a.fr")
    await _login(anon, "dpd@a.fr")
    assert (await anon.post("/api/v1/auth/logout")).status_code == 403
    assert (await anon.get(ME)).status_code == 200


async def test_token_shown_once_stored_hashed_then_revoked(make_user, anon):
    user = await make_user("outil@a.fr")
    http = await _signed_in(anon, user)
    created = await http.post(TOKENS, json={"name": "export nocturne", "days": 30})
    assert created.status_code == 201
    secret = created.json()["secret"]
    token_id = created.json()["id"]
    row = await ApiToken.get(id=token_id)
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(row.__dict__.values())
    listed = (await http.get(TOKENS)).json()
    assert {t["id"] for t in listed} >= {token_id}
    assert all("secret" not in t for t in listed)
    async with new_client(headers={"Authorization": f"Bearer {secret}"}) as tool:
        assert (await tool.get(ME)).status_code == 200
        assert (await http.delete(f"{TOKENS}/{token_id}")).status_code == 204
        assert (await tool.get(ME)).status_code == 401


async def test_expired_or_unknown_token_gives_401(make_user, anon):
    user = await make_user("outil@a.fr")
    http = await _signed_in(anon, user)
    secret = (await http.post(TOKENS, json={"name": "court"})).json()["secret"]
    await ApiToken.filter(user_id=user.id).update(expires_at=utcnow() - timedelta(seconds=1))
    for bad in (secret, "rgpd_invente", "n-importe-quoi"):
        async with new_client(headers={"Authorization": f"Bearer {bad}"}) as tool:
            response = await tool.get(ME)
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"


async def test_one_cannot_revoke_another_users_token(make_user, anon, client_as):
    alice = await _signed_in(anon, await make_user("alice@a.fr"))
    bob = await client_as(await make_user("bob@a.fr"))
    token_id = (await alice.post(TOKENS, json={"name": "a"})).json()["id"]
    assert (await bob.delete(f"{TOKENS}/{token_id}")).status_code == 404
    assert token_id not in {t["id"] for t in (await bob.get(TOKENS)).json()}


async def test_totp_required_when_enabled(anon, make_user):
    user = await make_user("dpd@a.fr")
    secret = await enable_totp(user)
    assert (await _login(anon, "dpd@a.fr")).status_code == 401
    assert (await _login(anon, "dpd@a.fr", totp="000000")).status_code in (401,)
    code = pyotp.TOTP(secret).now()
    assert (await _login(anon, "dpd@a.fr", totp=code)).status_code == 200
    # The same code cannot be used twice.
    assert (await _login(anon, "dpd@a.fr", totp=code)).status_code == 401


async def test_security_headers_on_every_answer(client, anon):
    for http, path in ((anon, "/healthz"), (anon, "/api/v1/organisations"), (client, ME)):
        headers = (await http.get(path)).headers
        assert headers["content-security-policy"] == (
            "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'"
        )
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in headers
    # Over TLS: the scheme is https, as uvicorn sets it behind a trusted proxy.
    app = create_app(manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://rgpd.exemple.fr") as tls:
        behind_tls = await tls.get("/healthz")
    assert behind_tls.headers["strict-transport-security"].startswith("max-age=")
    # A forged header from a client is not TLS (tests/security/test_hsts.py: real proxies).
    forged = await anon.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert forged.status_code == 200 and "strict-transport-security" not in forged.headers


async def test_health_and_openapi_are_public(anon):
    assert (await anon.get("/healthz")).status_code == 200
    assert (await anon.get("/openapi.json")).status_code == 200
    assert (await anon.get("/docs")).status_code == 200


async def test_every_other_route_needs_a_session_or_a_token(anon):
    """Every route of the app, found from app.routes: a new one is covered without edits."""
    app = create_app(manage_database=False)
    checked = 0
    pages = 0
    for route in iter_route_contexts(app.routes):
        if route.path in PUBLIC or route.path == "/connexion" or not route.methods:
            continue  # public, the login page, the static files (a mount)
        path = route.path.replace("{", "").replace("}", "")  # ids need not be valid: 401 first
        for method in sorted(route.methods - {"HEAD"}):
            response = await anon.request(method, path, json={})
            if path.startswith("/api/"):
                assert response.status_code == 401, (method, route.path, response.text)
            else:  # a page: to the login page, nothing of the page itself
                assert response.status_code == 303, (method, route.path, response.text)
                assert response.headers["location"].startswith("/connexion?suivant=")
                pages += 1
            checked += 1
    assert checked > 60 and pages >= 2
