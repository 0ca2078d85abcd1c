"""The key of the journal's digests of protected fields, kept outside the database.

The journal records an encrypted field (or a field a model names in `digest`) as a digest of
its text, never the text. A bare SHA-256 lets anyone reading the journal confirm a guess (the
digest of « retard » is sha256("retard")), so the digest is an HMAC-SHA-256 under a secret key.

Which key: a dedicated random key in its own file, `journal-digest.key` beside the encryption
key file (RGPD_ENCRYPTION_KEY_FILE, or the embedded default data/rgpd.keys), or the file named
by RGPD_JOURNAL_DIGEST_KEY_FILE. It is made on first use, mode 0600. Not derived from the
encryption keys, because `rgpd keys rotate` replaces those and the old key is eventually
removed: the digests of one text must stay equal across a rotation, so that the journal still
shows which values did not change. Not derived from the signing key either, which is optional
(the embedded default has none) and may be replaced too. A file is stable across restarts, and
across backups and restores of the database, which never hold it.

With no key file at all (keys given only in RGPD_ENCRYPTION_KEYS, as in a container or the
tests), there is nowhere to keep a file: the key is then derived with HKDF-SHA-256, under a
fixed label, from the current encryption key; set RGPD_JOURNAL_DIGEST_KEY_FILE to keep it
stable across a rotation.
"""

import base64
import binascii
import hashlib
import hmac
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.config import get_settings
from core.keys import KeyConfigError, get_key_ring, write_new_secret_file

DIGEST_KEY_FILE_NAME = "journal-digest.key"
DIGEST_KEY_BYTES = 32
HKDF_LABEL = b"registre-rgpd journal digest key v1"

_cache: dict[tuple, bytes] = {}


def digest_key_path() -> Path | None:
    """The digest key's file: the configured one, else beside the encryption key file; None
    when the keys are only in the environment."""
    settings = get_settings()
    if settings.journal_digest_key_file is not None:
        return settings.journal_digest_key_file
    if settings.encryption_key_file is not None:
        return settings.encryption_key_file.with_name(DIGEST_KEY_FILE_NAME)
    return None


def _create(path: Path) -> None:
    """Write a new key, whole (written aside, then linked: never replaces one), mode 0600."""
    text = (
        "# Clé des empreintes du journal d'audit de registre-rgpd (HMAC-SHA-256).\n"
        "# À sauvegarder avec les clés de chiffrement, à part de la base.\n"
        f"{base64.b64encode(secrets.token_bytes(DIGEST_KEY_BYTES)).decode('ascii')}\n"
    )
    write_new_secret_file(path, text)  # False: another process made it first, its key wins


def _read(path: Path) -> bytes:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KeyConfigError(
            f"clé des empreintes du journal {path} illisible : {exc.strerror or exc}"
        ) from None
    entries = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    try:
        key = base64.b64decode(entries[0], validate=True) if len(entries) == 1 else b""
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != DIGEST_KEY_BYTES:
        raise KeyConfigError(
            f"clé des empreintes du journal {path} : une ligne attendue, "
            f"{DIGEST_KEY_BYTES} octets en base64"
        )
    return key


def _from_file(path: Path) -> bytes:
    if not path.exists():
        try:
            _create(path)
        except OSError as exc:
            raise KeyConfigError(
                f"clé des empreintes du journal {path} absente et impossible à créer "
                f"({exc.strerror or exc}) : créez-la (32 octets aléatoires en base64, "
                "mode 0600, lisible par le service), par exemple "
                f"« head -c 32 /dev/urandom | base64 > {path} »"
            ) from None
    stamp = path.stat().st_mtime_ns
    if (path, stamp) not in _cache:
        _cache.clear()
        _cache[(path, stamp)] = _read(path)
    return _cache[(path, stamp)]


def _derived() -> bytes:
    ring = get_key_ring()
    cache_key = ("hkdf", ring.current, ring.current_key)
    if cache_key not in _cache:
        _cache.clear()
        _cache[cache_key] = HKDF(
            algorithm=hashes.SHA256(), length=DIGEST_KEY_BYTES, salt=None, info=HKDF_LABEL
        ).derive(ring.current_key)
    return _cache[cache_key]


def digest_key() -> bytes:
    path = digest_key_path()
    return _derived() if path is None else _from_file(path)


def keyed_digest(data: bytes) -> str:
    """HMAC-SHA-256 of `data` under the journal's digest key, in hex."""
    return hmac.new(digest_key(), data, hashlib.sha256).hexdigest()
