"""The journal's digests of protected texts are keyed (HMAC-SHA-256), with a key kept outside
the database: stable across restarts and across a rotation of the field encryption keys."""

import base64
import hashlib
import stat
import subprocess
import sys

from core.audit.digest import DIGEST_KEY_FILE_NAME
from core.audit.trail import DIGEST_KEY, digest_marker, digest_of
from core.keys import create_key_file, generate_key
from tests.cli import ROOT, rgpd

RETARD_SHA256 = hashlib.sha256(b"retard").hexdigest()


def digest_in_a_new_process(text: str) -> str:
    """The digest another process (a restarted instance) gives, with this test's settings."""
    code = (
        "from core.audit.trail import digest_marker; "
        f"print(digest_marker({text!r})['{DIGEST_KEY}'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_digest_is_keyed_by_a_file_beside_the_keys_stable_across_restart_and_rotation(
    tmp_path, settings_env
):
    keys = tmp_path / "keys" / "encryption.keys"
    assert create_key_file(keys)
    settings_env(encryption_keys="", encryption_key_file=keys)

    marker = digest_marker("retard")
    assert set(marker) == {"hmac-sha256"}
    digest = marker["hmac-sha256"]
    assert digest != RETARD_SHA256
    key_file = keys.with_name(DIGEST_KEY_FILE_NAME)
    assert key_file.is_file() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert digest_in_a_new_process("retard") == digest

    # A rotation of the field encryption: a new key first, the old one removed.
    keys.write_text(f"k-nouvelle:{generate_key()}\n")
    assert digest_marker("retard")["hmac-sha256"] == digest
    assert digest_in_a_new_process("retard") == digest
    assert digest_marker("retard.") != marker


def test_with_keys_only_in_the_environment_the_digest_is_still_keyed_and_stable():
    # The tests' own configuration: RGPD_ENCRYPTION_KEYS and no key file.
    digest = digest_marker("retard")["hmac-sha256"]
    assert digest != RETARD_SHA256
    assert digest_in_a_new_process("retard") == digest


def test_old_unkeyed_digests_still_read_as_digests():
    assert digest_of({"sha256": RETARD_SHA256}) == ("sha256", RETARD_SHA256)
    assert digest_of(digest_marker("retard"))[0] == "hmac-sha256"
    assert digest_of({"name": "retard"}) is None and digest_of("retard") is None


def test_a_command_stops_at_its_start_when_the_digest_key_cannot_be_made(tmp_path):
    # The deployed layout: the services cannot write the keys' folder. Without the key, a
    # command must stop before it starts, naming the file, not fail later at a write.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    key_file = blocker / DIGEST_KEY_FILE_NAME
    database = f"sqlite://{tmp_path / 'rgpd.sqlite3'}"
    assert rgpd("migrate", database=database).returncode == 0

    refused = rgpd("organisations", database=database, RGPD_JOURNAL_DIGEST_KEY_FILE=str(key_file))
    assert refused.returncode == 1
    assert "clé des empreintes du journal" in refused.stderr
    assert str(key_file) in refused.stderr and "Traceback" not in refused.stderr

    # Made by the operator, the same command runs.
    key_file = tmp_path / DIGEST_KEY_FILE_NAME
    key_file.write_text(base64.b64encode(b"k" * 32).decode() + "\n")
    assert (
        rgpd(
            "organisations", database=database, RGPD_JOURNAL_DIGEST_KEY_FILE=str(key_file)
        ).returncode
        == 0
    )
