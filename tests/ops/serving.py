"""A real `rgpd serve` process for the operations tests: its stderr kept apart (the log
stream an operator's collector reads), an HTTP port, a bearer token made in the database."""

import asyncio
import json
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx

from core.accounts.service import create_user
from core.accounts.tokens import issue_token
from core.clock import utcnow
from tests.cli import RGPD, ROOT
from tests.smtp_server import free_port

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)*")


class Served:
    """`python -m api.cli serve --port P <args>`; stdout and stderr in two files."""

    def __init__(self, env: dict[str, str], folder: Path, *args: str, name: str = "serve"):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.stderr_path = folder / f"{name}.stderr"
        self.stdout_path = folder / f"{name}.stdout"
        with self.stderr_path.open("wb") as err, self.stdout_path.open("wb") as out:
            self.proc = subprocess.Popen(
                [*RGPD, "serve", "--port", str(self.port), *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=err,
            )

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    async def wait_until_up(self, timeout: float = 120) -> None:
        """/healthz answers (a bound on waiting on a shared machine, not a speed check)."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5) as http:
            while True:
                assert self.proc.poll() is None, f"rgpd serve exited:\n{self.stderr()}"
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"rgpd serve not up:\n{self.stderr()}"
                await asyncio.sleep(0.2)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, and the exit code of the stop."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def json_lines(text: str) -> list[dict]:
    """Every line of the stream, each one JSON object (fails on the first that is not)."""
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            raise AssertionError(f"line {number} is not JSON: {line!r}") from None
        assert isinstance(entry, dict), f"line {number} is not an object: {line!r}"
        entries.append(entry)
    return entries


async def admin_token(email: str) -> str:
    """An instance administrator and a bearer token (call inside `orm(url)`)."""
    user = await create_user(
        email=email, name="Exploitation", password=None, is_instance_admin=True
    )
    return (await issue_token(user=user, name="ops", days=1, now=utcnow())).secret
