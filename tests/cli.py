"""The one way tests run the `rgpd` command line: a real process, to its end.

`rgpd("migrate", database=url, check=True)` runs `python -m api.cli migrate` from the
repository root on that database and fails the test, with both outputs, unless it exits 0.
"""

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RGPD = (sys.executable, "-m", "api.cli")


def environment(*, clean: bool = False, **variables: str) -> dict[str, str]:
    """This process's environment plus `variables`; without its own RGPD_* settings if
    `clean` (so that only the settings a test gives reach the command)."""
    env = {k: v for k, v in os.environ.items() if not (clean and k.startswith("RGPD_"))}
    env.update(variables)
    return env


def rgpd(
    *args: str,
    env: Mapping[str, str] | None = None,
    database: str | None = None,
    clean: bool = False,
    input: str | None = None,
    check: bool = False,
    timeout: float = 120,
    command: Sequence[str] = RGPD,
    **variables: str,
) -> subprocess.CompletedProcess[str]:
    """`rgpd *args` in the repository root, its output captured as text.

    env: the whole environment of the process (default: `environment(clean=clean)`);
    database: its RGPD_DATABASE_URL; variables: more settings, over both.
    check: fail unless it exits 0. command: another `rgpd` (e.g. the installed executable).
    """
    full = dict(env) if env is not None else environment(clean=clean)
    if database is not None:
        full["RGPD_DATABASE_URL"] = database
    full.update(variables)
    result = subprocess.run(
        [*command, *args],
        cwd=ROOT,
        env=full,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert result.returncode == 0, (
            f"rgpd {' '.join(args)}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result
