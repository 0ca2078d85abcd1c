"""The shipped nginx site (deploy/nginx/registre-rgpd.conf) in front of a real `rgpd serve`
started with the web unit's own command line, on the test's database (SQLite, or PostgreSQL
with RGPD_TEST_DB=postgres), through TLS with a self-signed certificate."""

import asyncio
import json
import socket
import ssl
import subprocess
import urllib.parse
import warnings
from dataclasses import dataclass

import httpx
import pytest

from api.routes.exports import IMPORT_MAX_BYTES
from api.security.headers import CSP
from tests.conftest import USE_POSTGRES
from tests.deploy.conftest import (
    DEMO_DPO,
    ROOT,
    App,
    Certificate,
    Nginx,
    free_port,
    instance_env,
    prepare_nginx,
    run_rgpd,
    self_signed_certificate,
    start_app,
    start_nginx,
    stop_app,
    stop_process,
    system_tool,
)

pytestmark = pytest.mark.engine

HSTS = "max-age=31536000; includeSubDomains"


@dataclass
class Stack:
    app: App
    nginx: Nginx
    cert: Certificate
    database_url: str

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.nginx.https_port}"

    def client(self, **kwargs) -> httpx.Client:
        kwargs.setdefault("verify", ssl.create_default_context(cafile=str(self.cert.cert)))
        return httpx.Client(base_url=self.origin, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, database_url):
    tmp = tmp_path_factory.mktemp("deploy")
    cert = self_signed_certificate(tmp)
    # nginx's ports are chosen first: its https address is the instance's base URL.
    http_port, https_port = free_port(), free_port()
    env = instance_env(tmp, database_url, f"https://localhost:{https_port}")
    run_rgpd(env, "migrate")
    run_rgpd(env, "demo")
    app = start_app(tmp, env)
    try:
        nginx = prepare_nginx(tmp, app.port, cert, http_port=http_port, https_port=https_port)
        start_nginx(nginx)
    except BaseException:
        stop_app(app)
        raise
    yield Stack(app, nginx, cert, database_url)
    stop_process(nginx.process)
    stop_app(app)


@pytest.fixture(scope="module")
def dpo(stack):
    """The demo DPO signed in through nginx with the API login: (client, CSRF token)."""
    http = stack.client()
    answer = http.post("/api/v1/auth/login", json={"email": DEMO_DPO[0], "password": DEMO_DPO[1]})
    assert answer.status_code == 200, answer.text
    yield http, answer.json()["csrf_token"]
    http.close()


@pytest.fixture(scope="module")
def juvisy_id(dpo) -> str:
    http, _ = dpo
    answer = http.get("/api/v1/organisations", params={"q": "Juvisy"})
    assert answer.status_code == 200, answer.text
    (juvisy,) = [o for o in answer.json()["items"] if "Juvisy" in o["legal_name"]]
    return juvisy["id"]


def test_the_app_runs_as_the_web_unit_says(stack):
    """The unit's command line and the shipped env file: two workers on PostgreSQL (one
    process on SQLite), logs as one JSON object per line for the log collector."""
    text = stack.app.log()
    lines = [line for line in text[: text.rfind("\n")].splitlines() if line.strip()]
    assert lines[0].startswith("memory-deny-write-execute=")  # the test's launcher
    records = [json.loads(line) for line in lines[1:]]
    assert all({"time", "level", "message"} <= set(r) for r in records)
    workers = {r["pid"] for r in records if r["message"].startswith("Started server process")}
    assert len(workers) == (2 if USE_POSTGRES else 1)


def test_nginx_accepts_the_shipped_site(tmp_path):
    """`nginx -t` on the shipped file, with only its ports, certificate and paths changed,
    and without a warning."""
    cert = self_signed_certificate(tmp_path)
    nginx = prepare_nginx(tmp_path, app_port=8000, cert=cert)
    result = subprocess.run(nginx.command("-t"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr
    assert "[warn]" not in result.stderr, result.stderr


def test_the_login_page_through_https_with_each_security_header_once(stack):
    with stack.client() as http:
        page = http.get("/connexion")
    assert page.status_code == 200
    assert "<h1>Connexion</h1>" in page.text
    headers = page.headers
    # HSTS from nginx (the app's copy hidden), the others from the app: each exactly once.
    assert headers.get_list("strict-transport-security") == [HSTS]
    assert headers.get_list("content-security-policy") == [CSP]
    assert headers.get_list("x-frame-options") == ["DENY"]
    assert headers.get_list("x-content-type-options") == ["nosniff"]
    assert headers.get_list("referrer-policy") == ["same-origin"]
    assert headers["server"] == "nginx", "server_tokens off: no version"


def test_healthz_through_nginx(stack):
    with stack.client() as http:
        health = http.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["database"] == "ok"
    # The web unit runs no scheduler (registre-rgpd-scheduler.service does): none here.
    assert body["status"] == "degraded" and body["scheduler"]["leader"] == "absent"


def test_static_files_are_served_by_nginx_cached_and_compressed(stack):
    css = (ROOT / "static" / "app.css").read_bytes()
    with stack.client() as http:
        answer = http.get("/static/app.css", headers={"Accept-Encoding": "identity"})
        zipped = http.get("/static/app.css", headers={"Accept-Encoding": "gzip"})
        missing = http.get("/static/absent.css")
    assert answer.status_code == 200
    assert answer.content == css
    assert answer.headers["content-type"] == "text/css"
    # From nginx, not the app: nginx's cache headers, and none of the app's page headers.
    assert answer.headers["cache-control"] == "max-age=3600"
    assert "etag" in answer.headers and "last-modified" in answer.headers
    assert "content-security-policy" not in answer.headers
    assert answer.headers.get_list("strict-transport-security") == [HSTS]
    assert answer.headers.get_list("x-content-type-options") == ["nosniff"]
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == css  # httpx decodes it: the same file
    assert missing.status_code == 404


def test_pages_are_not_compressed_but_the_api_is(stack, dpo):
    """BREACH: a page holds its CSRF token beside text from the request; the JSON is
    compressed."""
    http, _ = dpo
    page = http.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
    assert "content-encoding" not in page.headers
    listing = http.get("/api/v1/organisations", headers={"Accept-Encoding": "gzip"})
    assert listing.status_code == 200
    assert listing.headers["content-encoding"] == "gzip"
    assert listing.json()["total"] >= 1


@pytest.mark.parametrize("path", ["/metrics", "/metrics/", "/%6Detrics", "//metrics"])
def test_metrics_are_refused_to_the_outside(stack, path):
    url = httpx.URL(stack.origin + path)  # absolute: a client would merge "//metrics"
    assert url.raw_path == path.encode()
    with stack.client() as http:
        answer = http.get(url)
    assert answer.status_code == 403
    assert "# TYPE" not in answer.text


def test_metrics_stay_readable_on_the_loopback_for_prometheus(stack):
    """The env file turns metrics on: Prometheus reads them on the app's own port."""
    answer = httpx.get(f"http://127.0.0.1:{stack.app.port}/metrics", timeout=30)
    assert answer.status_code == 200, answer.text[:300]
    assert "# TYPE" in answer.text


def test_an_upload_over_the_limit_is_cut_by_nginx(stack, dpo, juvisy_id):
    http, csrf = dpo
    url = f"/api/v1/organisations/{juvisy_id}/imports/activities"
    big = b"x" * (IMPORT_MAX_BYTES + 2 * 1024 * 1024)
    answer = http.post(
        url,
        params={"dry_run": "true"},
        files={"file": ("registre.csv", big, "text/csv")},
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 413
    assert "nginx" in answer.text  # nginx's own page: the app never read it
    assert answer.headers.get_list("strict-transport-security") == [HSTS]


def test_a_file_just_over_the_apps_limit_gets_the_apps_french_answer(stack, dpo, juvisy_id):
    """nginx lets the multipart envelope of a file at the limit through: the user reads the
    app's message, not nginx's page."""
    http, csrf = dpo
    url = f"/api/v1/organisations/{juvisy_id}/imports/activities"
    answer = http.post(
        url,
        params={"dry_run": "true"},
        files={"file": ("registre.csv", b"x" * (IMPORT_MAX_BYTES + 1), "text/csv")},
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 422, answer.text[:300]
    assert "fichier trop volumineux" in answer.text


def test_plain_http_redirects_permanently_to_https(stack):
    port = stack.nginx.http_port
    answer = httpx.get(f"http://localhost:{port}/connexion?suivant=/registre", timeout=30)
    assert answer.status_code == 301
    assert answer.headers["location"] == "https://localhost/connexion?suivant=/registre"
    assert answer.headers["server"] == "nginx"


def test_signing_in_through_nginx_the_app_sees_https_and_the_host(stack):
    """A browser's login (Origin sent) through nginx: accepted, a Secure cookie; then the
    app's own absolute redirects point at https and at the host and port the browser used."""
    with stack.client() as http:
        answer = http.post(
            "/connexion",
            data={"email": DEMO_DPO[0], "password": DEMO_DPO[1], "suivant": "/"},
            headers={"Origin": stack.origin},
        )
        assert answer.status_code == 303, answer.text[:500]
        cookie = answer.headers["set-cookie"]
        assert cookie.startswith("rgpd_session=")
        attributes = {part.strip().lower() for part in cookie.split(";")}
        assert {"secure", "httponly", "samesite=strict"} <= attributes
        # A trailing slash: the framework answers with an absolute URL built from what the
        # proxy said (scheme from X-Forwarded-Proto, host and port from Host).
        redirect = http.get("/api/v1/breaches/")
    assert redirect.status_code in (307, 308)
    assert redirect.headers["location"] == f"{stack.origin}/api/v1/breaches"


def test_signing_in_over_http2_as_browsers_do(stack):
    """Browsers speak HTTP/2 to nginx: the Host the app compares with Origin must survive."""
    curl = system_tool("curl")
    form = urllib.parse.urlencode({"email": DEMO_DPO[0], "password": DEMO_DPO[1]})
    result = subprocess.run(
        [
            curl, "--http2", "--silent", "--show-error", "--cacert", str(stack.cert.cert),
            "--output", "/dev/null", "--write-out", "%{http_version} %{http_code}",
            "--header", f"Origin: {stack.origin}", "--data", form, f"{stack.origin}/connexion",
        ],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2 303", "HTTP/2, then the login's redirect (not 403 Requête refusée)"


async def _login_attempt_addresses(database_url: str, email: str) -> list[str]:
    if USE_POSTGRES:
        import asyncpg

        conn = await asyncpg.connect(database_url)
        try:
            rows = await conn.fetch("SELECT ip FROM account_login_attempt WHERE email = $1", email)
        finally:
            await conn.close()
        return [r["ip"] for r in rows]
    import sqlite3

    path = database_url.removeprefix("sqlite://")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT ip FROM account_login_attempt WHERE email = ?", (email,))
        return [r[0] for r in rows]


def test_the_login_limit_counts_the_clients_address_not_nginxs(stack):
    """Failures are limited per address: behind nginx the app must count the client's, or
    20 failures from anyone would lock everyone out. A forged X-Forwarded-For is ignored."""
    email = "personne@exemple.fr"
    verify = ssl.create_default_context(cafile=str(stack.cert.cert))
    transport = httpx.HTTPTransport(local_address="127.0.0.2", verify=verify)
    with stack.client(transport=transport) as http:
        answer = http.post(
            "/connexion",
            data={"email": email, "password": "mauvais", "suivant": "/"},
            headers={"Origin": stack.origin, "X-Forwarded-For": "203.0.113.9"},
        )
    assert answer.status_code == 401
    assert asyncio.run(_login_attempt_addresses(stack.database_url, email)) == ["127.0.0.2"]


def _handshake(stack, version: ssl.TLSVersion) -> str:
    context = ssl.create_default_context(cafile=str(stack.cert.cert))
    with warnings.catch_warnings():  # TLSv1_1 is deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = version
    if version < ssl.TLSVersion.TLSv1_2:
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer it at all

    address = ("127.0.0.1", stack.nginx.https_port)
    with (
        socket.create_connection(address, timeout=30) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return tls.version()


def test_tls_1_2_and_1_3_only(stack):
    assert _handshake(stack, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
    assert _handshake(stack, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    # Debian's nginx.conf allows TLS 1.0 and 1.1 in http {}: the site overrides it. The
    # refusal comes from nginx (an alert received), not from this client.
    with pytest.raises(ssl.SSLError) as refused:
        _handshake(stack, ssl.TLSVersion.TLSv1_1)
    assert "alert" in str(refused.value).lower(), refused.value


def test_a_pdf_export_through_nginx_under_memory_deny_write_execute(stack, dpo, juvisy_id):
    """The units set MemoryDenyWriteExecute=yes: WeasyPrint's PDF must still be made with no
    memory both writable and executable (the kernel's W^X mode stands in for systemd's)."""
    http, _ = dpo
    answer = http.get(
        f"/api/v1/organisations/{juvisy_id}/exports/controller-record", params={"format": "pdf"}
    )
    assert answer.status_code == 200, answer.text[:500]
    assert answer.content.startswith(b"%PDF")
    if not stack.app.under_mdwe:
        pytest.skip("this kernel has no W^X mode (PR_SET_MDWE, Linux 6.3+): PDF made without it")
