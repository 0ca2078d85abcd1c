"""The real application in a subprocess, driven by Chromium through Playwright.

Each test module gets its own server (`rgpd serve --no-scheduler`) on a fresh SQLite file
database holding the demo register and accounts (`rgpd migrate` + `rgpd demo`, made once per
session and copied), and a real SMTP server on loopback that records what the outbox sends.

Chromium is Debian's (`/usr/bin/chromium`, or `RGPD_CHROMIUM=/path`); it is never downloaded.
Without it the tests are skipped with the reason, and fail in CI (`CI=true`).
The PostgreSQL run (`RGPD_TEST_DB=postgres`) skips them: they test pages, not the engine, and
the SQLite run has already driven every page.
"""

import itertools
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright

from tests.browser.helpers import Pages
from tests.cli import ROOT, rgpd
from tests.smtp_server import SmtpServer, free_port

OUTPUT = Path(__file__).resolve().parent / "output"
IN_CI = os.environ.get("CI", "").lower() == "true"
USE_POSTGRES = os.environ.get("RGPD_TEST_DB") == "postgres"
TEST_KEYS = "test:4c5Hyj5gTT4IG9/+3ONzVOPLruS66ZZ3ER9qmd4GPdk="  # as tests/conftest.py


def chromium_path() -> str | None:
    wanted = os.environ.get("RGPD_CHROMIUM")
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium() -> str:
    if USE_POSTGRES:
        reason = (
            "browser tests skipped on PostgreSQL: they test pages, which the SQLite "
            "run has driven already"
        )
        print(reason)
        pytest.skip(reason)
    path = chromium_path()
    if path is None:
        reason = "Chromium absent : apt-get install chromium"
        print(reason)
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path


def _base_env(database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RGPD_")}
    env.update(
        RGPD_DATABASE_URL=f"sqlite://{database}",
        RGPD_ENCRYPTION_KEYS=os.environ.get("RGPD_ENCRYPTION_KEYS", TEST_KEYS),
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="session")
def demo_database(chromium, tmp_path_factory) -> Path:
    """The migrated database with the demo register and accounts, made once."""
    folder = tmp_path_factory.mktemp("demo-db")
    database = folder / "rgpd.sqlite3"
    env = _base_env(database)
    rgpd("migrate", env=env, check=True)
    rgpd("demo", env=env, check=True)
    return database


@dataclass
class LiveServer:
    base_url: str
    env: dict[str, str]
    smtp: SmtpServer
    log: Path

    def cli(self, *args: str, input: str | None = None) -> str:
        """An `rgpd` command on this server's database (e.g. `outbox send`); its output."""
        return rgpd(*args, env=self.env, input=input, check=True).stdout


@pytest.fixture(scope="module")
def live_server(demo_database, tmp_path_factory, request) -> LiveServer:
    folder = tmp_path_factory.mktemp("server")
    database = folder / "rgpd.sqlite3"
    for source in demo_database.parent.glob(demo_database.name + "*"):  # with -wal, -shm
        shutil.copy(source, folder / source.name)
    smtp = SmtpServer().start()
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _base_env(database)
    env.update(
        RGPD_BASE_URL=base_url,  # http: the session cookie is not Secure
        RGPD_SMTP_HOST="127.0.0.1",
        RGPD_SMTP_PORT=str(smtp.port),
        RGPD_SMTP_SECURITY="none",
        RGPD_MAIL_FROM="registre-rgpd <rgpd@registre-rgpd.fr>",
        RGPD_OUTBOX_BACKOFF_SECONDS="1",
    )
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / f"{request.module.__name__.rsplit('.', 1)[-1]}-server.log"
    command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port"]
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, str(port), "--no-scheduler"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(base_url, process, log)
        yield LiveServer(base_url, env, smtp, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        smtp.stop()


def _wait_until_up(base_url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"le serveur s'est arrêté :\n{log.read_text()[-3000:]}", pytrace=False)
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"le serveur ne répond pas sur /healthz :\n{log.read_text()[-3000:]}")


@pytest.fixture
async def browser(chromium):
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        yield launched
        await launched.close()


@pytest.fixture
def output_dir(request) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = OUTPUT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
async def open_pages(browser, live_server, output_dir):
    """`await open_pages(**context options)`: a new browser context (its own cookies) and tab.

    Screenshots of every tab of the test share the test's folder and numbering.
    """
    contexts = []
    opened: list[Pages] = []
    numbering = itertools.count(1)  # one numbering across the test's tabs

    async def make(**options) -> Pages:
        options.setdefault("locale", "fr-FR")
        options.setdefault("timezone_id", "Europe/Paris")
        context = await browser.new_context(base_url=live_server.base_url, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        pages = Pages(await context.new_page(), output_dir, numbering)
        opened.append(pages)
        return pages

    yield make
    for context in contexts:
        await context.close()
    problems = [problem for pages in opened for problem in pages.soft_problems]
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
async def pages(open_pages) -> Pages:
    """One desktop tab (1280×800)."""
    return await open_pages(viewport={"width": 1280, "height": 800})
