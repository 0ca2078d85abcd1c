"""Running what an auditor runs: `rgpd bundle verify` in its own process, and the documented
OpenSSL + sha256sum procedure, command by command; rewriting a bundle to alter it."""

import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

from core.evidence import PUBLISHED_KEY_FILE, verification_steps
from tests.cli import rgpd

# Where no database could be: `rgpd bundle verify` must not need one.
NO_DATABASE = "sqlite:///nonexistent-rgpd-folder/rgpd.sqlite3"


def verify(bundle: Path, public_key: Path | None = None, **env: str):
    args = ["verify", str(bundle)]
    if public_key is not None:
        args += ["--public-key", str(public_key)]
    return rgpd("bundle", *args, database=NO_DATABASE, **env)


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=60
    )


class Procedure:
    """The documented commands, run one by one in a fresh folder holding `lot.zip` and the
    published key: each step's result, so a test can say which step failed."""

    def __init__(self, bundle: Path, published_pem: str, workdir: Path) -> None:
        if workdir.exists():
            shutil.rmtree(workdir)
        workdir.mkdir(parents=True)
        shutil.copy(bundle, workdir / "lot.zip")
        (workdir / PUBLISHED_KEY_FILE).write_text(published_pem, encoding="ascii")
        unzip, cd, openssl, sha256sum, extra = verification_steps(extra=True)
        assert (unzip, cd) == ("unzip lot.zip -d lot", "cd lot")
        # The whole script as the documentation prints it, then each check again on its own
        # (they only read the extracted files) to tell which one failed.
        self.whole = shell(" && ".join(verification_steps()), workdir)
        folder = workdir / "lot"
        self.openssl = shell(openssl, folder)
        self.sha256sum = shell(sha256sum, folder)
        self.extra = shell(extra, folder)

    @property
    def passed(self) -> bool:
        return self.whole.returncode == 0


def rewrite(
    source: Path,
    target: Path,
    *,
    change: Callable[[str, bytes], bytes | None] = lambda name, data: data,
    add: dict[str, bytes] | None = None,
) -> None:
    """Copy a ZIP, each member through `change` (None drops it), then add members."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in (add or {}).items():
            new.writestr(name, data)


def flip_one_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
