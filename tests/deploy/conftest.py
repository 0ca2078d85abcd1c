"""Helpers of the deployment tests: the shipped files rendered for this machine (ports, paths,
a self-signed certificate), a real `rgpd serve` started as the web unit starts it, and nginx
in front of it with the shipped site configuration."""

import asyncio
import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.cli import rgpd
from tests.conftest import IN_CI, POSTGRES_URL, USE_POSTGRES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
NGINX_SITE = DEPLOY / "nginx" / "registre-rgpd.conf"
ENV_EXAMPLE = DEPLOY / "registre-rgpd.env.example"
INSTALLED_RGPD = "/opt/registre-rgpd/.venv/bin/rgpd"  # the path the units use
VENV_RGPD = Path(sys.executable).parent / "rgpd"  # the same entry point, in this checkout
DEMO_DPO = ("dpd.mutualise@demo.registre-rgpd.fr", "demo-dpd-registre")
PR_SET_MDWE, PR_GET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 66, 1


def system_tool(name: str, *candidates: str) -> str:
    """The path of a system tool; absent: skip saying so, or fail in CI (`make test` installs
    it there)."""
    for path in (*candidates, shutil.which(name)):
        if path and os.access(path, os.X_OK):
            return path
    reason = f"{name} is not installed (Debian: see `make system-test-deps`)"
    if IN_CI:
        pytest.fail(f"{reason}; it is required in CI")
    pytest.skip(reason)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float, what: str, every: float = 0.1) -> None:
    """Poll until true; generous timeouts only bound the wait (the machine is shared)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# --- The shipped files, parsed ---------------------------------------------------------------


def env_assignments(text: str) -> dict[str, tuple[str, bool]]:
    """`NAME -> (value, active)` of an environment file: `NAME=value` lines are active,
    `#NAME=value` lines document a default. Quotes are taken off as systemd does."""
    found: dict[str, tuple[str, bool]] = {}
    for line in text.splitlines():
        match = re.fullmatch(r"(#?)([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if not match:
            continue
        commented, name, value = match.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        assert name not in found, f"{name} appears twice in {ENV_EXAMPLE.name}"
        found[name] = (value, not commented)
    return found


def unit_directives(path: Path) -> list[tuple[str, str, str]]:
    """`(section, key, value)` of a unit file, in order (comments and blank lines left out)."""
    section, directives = "", []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        directives.append((section, key.strip(), value.strip()))
    return directives


def unit_value(path: Path, key: str) -> str:
    values = [v for _, k, v in unit_directives(path) if k == key]
    assert len(values) == 1, f"{key} in {path.name}: {values}"
    return values[0]


# --- A certificate and nginx -------------------------------------------------------------------


@dataclass
class Certificate:
    cert: Path
    key: Path


def self_signed_certificate(directory: Path) -> Certificate:
    openssl = system_tool("openssl")
    cert, key = directory / "localhost.pem", directory / "localhost.key"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-days", "1", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


# Each placeholder of the shipped site and what it becomes here: the test fails if one is no
# longer written as expected, rather than silently testing another configuration.
def nginx_substitutions(
    *, http_port: int, https_port: int, app_port: int, cert: Certificate, logs: Path
) -> list[tuple[str, str]]:
    return [
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", "# (IPv6 listen left out in the test)"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", "# (IPv6 listen left out in the test)"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("/etc/ssl/certs/registre-rgpd.pem;", f"{cert.cert};"),
        ("/etc/ssl/private/registre-rgpd.key;", f"{cert.key};"),
        ("alias /opt/registre-rgpd/static/;", f"alias {ROOT / 'static'}/;"),
        ("/var/log/nginx/registre-rgpd.access.log;", f"{logs / 'access.log'};"),
        ("/var/log/nginx/registre-rgpd.error.log;", f"{logs / 'error.log'};"),
    ]


def render_nginx_site(**ports_and_paths) -> str:
    text = NGINX_SITE.read_text(encoding="utf-8")
    for old, new in nginx_substitutions(**ports_and_paths):
        assert text.count(old) == 1, f"{old!r} should appear once in {NGINX_SITE.name}"
        text = text.replace(old, new)
    active = "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))
    leftover = re.findall(r"(?<![\w.])/(?:etc|var|opt|run)/\S*", active)
    assert not leftover, f"system paths left in the rendered site: {leftover}"
    return text


def nginx_main_conf(prefix: Path, site: Path) -> str:
    """A main nginx.conf in the test's directory with the http-level defaults of Debian's
    /etc/nginx/nginx.conf (TLS 1.0 and 1.1 allowed, gzip on), which the site must override."""
    user = "user root root;" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / 'temp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    mime = "/etc/nginx/mime.types"
    types = f"include {mime};" if Path(mime).exists() else "types { text/css css; }"
    return f"""{user}
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "logs" / "main-error.log"} info;
events {{ worker_connections 256; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    {types}
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {prefix / "logs" / "main-access.log"};
    gzip on;
{temp}
    include {site};
}}
"""


@dataclass
class Nginx:
    binary: str
    prefix: Path
    http_port: int
    https_port: int
    process: subprocess.Popen | None = None

    @property
    def conf(self) -> Path:
        return self.prefix / "nginx.conf"

    def command(self, *extra: str) -> list[str]:
        return [self.binary, "-p", str(self.prefix), "-c", str(self.conf), *extra]

    def log(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in sorted((self.prefix / "logs").glob("*.log"))
        )


def prepare_nginx(
    tmp: Path,
    app_port: int,
    cert: Certificate,
    *,
    http_port: int | None = None,
    https_port: int | None = None,
) -> Nginx:
    binary = system_tool("nginx", "/usr/sbin/nginx")
    prefix = tmp / "nginx"
    for sub in ("logs", "temp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    nginx = Nginx(binary, prefix, http_port or free_port(), https_port or free_port())
    site = prefix / "registre-rgpd.conf"
    site.write_text(
        render_nginx_site(
            http_port=nginx.http_port,
            https_port=nginx.https_port,
            app_port=app_port,
            cert=cert,
            logs=prefix / "logs",
        ),
        encoding="utf-8",
    )
    nginx.conf.write_text(nginx_main_conf(prefix, site), encoding="utf-8")
    return nginx


def start_nginx(nginx: Nginx) -> Nginx:
    nginx.process = subprocess.Popen(
        nginx.command("-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for(
            lambda: (
                nginx.process.poll() is not None
                or (port_open(nginx.http_port) and port_open(nginx.https_port))
            ),
            30,
            "nginx to listen",
        )
    except AssertionError:
        stop_process(nginx.process)
        raise
    if nginx.process.poll() is not None:
        raise AssertionError(f"nginx exited: {nginx.process.stderr.read().decode()}")
    return nginx


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- The database and the app, as the units run it ---------------------------------------------


@contextlib.contextmanager
def new_database(directory: Path) -> Iterator[str]:
    """A fresh SQLite file, or (RGPD_TEST_DB=postgres) a fresh PostgreSQL database, dropped
    after."""
    if not USE_POSTGRES:
        yield f"sqlite://{directory / 'rgpd.sqlite3'}"
        return
    import asyncpg

    server = POSTGRES_URL.rsplit("/", 1)[0]
    name = f"rgpd_deploy_{uuid.uuid4().hex}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(f"{server}/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> Iterator[str]:
    """One database for a module's tests (the nginx tests share one running app)."""
    with new_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def fresh_database_url(tmp_path) -> Iterator[str]:
    with new_database(tmp_path) as url:
        yield url


def rgpd_executable() -> str:
    return str(VENV_RGPD) if VENV_RGPD.exists() else shutil.which("rgpd") or "rgpd"


def instance_env(tmp: Path, database_url: str, base_url: str) -> dict[str, str]:
    """The environment of the units: the shipped env file's active settings, with only what
    is this site's own replaced (database, address, SMTP relay, key files made here)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RGPD_")}
    shipped = env_assignments(ENV_EXAMPLE.read_text(encoding="utf-8"))
    env.update({name: value for name, (value, active) in shipped.items() if active})
    keys = tmp / "keys"
    keys.mkdir(exist_ok=True)
    generated = subprocess.run(
        [rgpd_executable(), "keys", "generate"], capture_output=True, text=True, check=True
    )
    key_line = next(
        line.strip()
        for line in generated.stdout.splitlines()
        if re.fullmatch(r"[\w.-]+:[A-Za-z0-9+/=]{40,}", line.strip())
    )
    (keys / "encryption.keys").write_text(key_line + "\n", encoding="utf-8")
    (keys / "encryption.keys").chmod(0o600)
    signing = keys / "signing.pem"
    subprocess.run(
        [rgpd_executable(), "audit", "keygen", str(signing)], capture_output=True, check=True
    )
    env.update(
        RGPD_DATABASE_URL=database_url,
        RGPD_BASE_URL=base_url,
        RGPD_SMTP_HOST="127.0.0.1",
        RGPD_SMTP_PORT=str(free_port()),
        RGPD_SMTP_SECURITY="none",
        RGPD_ENCRYPTION_KEY_FILE=str(keys / "encryption.keys"),
        RGPD_SIGNING_KEY_FILE=str(signing),
    )
    return env


def rendered_exec(unit: Path, key: str = "ExecStart", **replace: str) -> list[str]:
    """A unit's command with the installed venv's path replaced by this checkout's."""
    words = shlex.split(unit_value(unit, key))
    words = [w.replace(INSTALLED_RGPD, rgpd_executable()) for w in words]
    for old, new in replace.items():
        words = [new if w == old else w for w in words]
    return words


# The kernel's W^X mode (Linux 6.3+), as MemoryDenyWriteExecute=yes asks: no mapping both
# writable and executable, none made executable later. Kept across fork and exec.
MDWE_LAUNCHER = (
    "import ctypes, os, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    f"ok = libc.prctl({PR_SET_MDWE}, {PR_MDWE_REFUSE_EXEC_GAIN}, 0, 0, 0) == 0\n"
    f"state = libc.prctl({PR_GET_MDWE}, 0, 0, 0, 0) if ok else -1\n"
    "print(f'memory-deny-write-execute={state}', file=sys.stderr, flush=True)\n"
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)


@dataclass
class App:
    port: int
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str]

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def under_mdwe(self) -> bool:
        return "memory-deny-write-execute=1" in self.log()


def run_rgpd(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """The installed `rgpd` (the units' entry point), which must succeed; what it printed."""
    result = rgpd(*args, env=env, check=True, timeout=timeout, command=(rgpd_executable(),))
    return result.stdout + result.stderr


def start_app(tmp: Path, env: dict[str, str]) -> App:
    """`rgpd migrate` (the unit's ExecStartPre), then the unit's ExecStart on a free port
    (without --workers on SQLite), under the kernel's W^X mode when it has one."""
    web = SYSTEMD / "registre-rgpd-web.service"
    pre = rendered_exec(web, "ExecStartPre")
    subprocess.run(pre, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    command = rendered_exec(web, **{"8000": str(port)})
    if not USE_POSTGRES:  # SQLite serves one process: `rgpd serve` refuses --workers there
        at = command.index("--workers")
        del command[at : at + 2]
    log_path = tmp / "app.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", MDWE_LAUNCHER, *command],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    app = App(port, process, log_path, env)

    def healthy() -> bool:
        if process.poll() is not None:
            return True
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(healthy, 120, "the app's /healthz")
    except AssertionError:
        stop_app(app)
        raise
    assert process.poll() is None, f"the app exited:\n{app.log()}"
    # /healthz answered by one worker: wait for every worker to be ready.
    workers = int(command[command.index("--workers") + 1]) if "--workers" in command else 1
    wait_for(
        lambda: app.log().count("Application startup complete") >= workers,
        120,
        f"{workers} worker(s) started",
    )
    return app


def stop_app(app: App) -> None:
    """SIGTERM as systemd sends it (KillMode=mixed: the main process first), then the group."""
    stop_process(app.process, timeout=60)
    with contextlib.suppress(ProcessLookupError):  # a worker left behind, if any
        os.killpg(app.process.pid, signal.SIGKILL)
