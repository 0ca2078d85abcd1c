"""The encryption key ring: AES-256 keys read from the settings or a key file, never the database.

A key is written `kid:base64` (32 random bytes). `RGPD_ENCRYPTION_KEYS` holds them separated by
commas, the key file one per line (`#` starts a comment). The first key is the current one: new
values are written with it, the others only read old values until `rgpd keys rotate` has
re-encrypted them. When both sources are set, the settings come first, the file adds the rest.

Rotation without downtime, with several processes: add the new key second everywhere and
restart, then move it first and restart, then rotate. A process that has not yet been
restarted can still read what the new key wrote.

The embedded default (a SQLite file, nothing configured) gets its key file beside the database,
created on first start by `prepare_keys`. PostgreSQL with no key refuses to start.
"""

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.config import get_settings
from core.db import restrict
from core.errors import DomainError

KEY_BYTES = 32  # AES-256
# Written into every stored value: no ':' (the separator), short and printable.
KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")


class CryptoError(DomainError):
    """Encryption cannot proceed: bad configuration, missing key or unreadable value."""


class KeyConfigError(CryptoError):
    """The keys in the settings or the key file cannot be used."""


class MissingKey(CryptoError):
    def __init__(self, kid: str):
        super().__init__(
            f"clé de chiffrement « {kid} » absente : les valeurs chiffrées avec elle sont "
            "irrécupérables sans elle; remettez-la dans RGPD_ENCRYPTION_KEYS ou dans le "
            "fichier de clés (RGPD_ENCRYPTION_KEY_FILE)"
        )
        self.kid = kid


@dataclass(frozen=True)
class KeyRing:
    """Keys by id; `current` writes, every key reads."""

    keys: dict[str, bytes]
    current: str

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise KeyConfigError(f"clé courante « {self.current} » absente du trousseau")

    def key(self, kid: str) -> bytes:
        try:
            return self.keys[kid]
        except KeyError:
            raise MissingKey(kid) from None

    @property
    def current_key(self) -> bytes:
        return self.keys[self.current]


def generate_key() -> str:
    """A new key, base64-encoded, for `rgpd keys generate` (prefix it with an id: `kid:…`)."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def new_key_id(now: datetime | None = None) -> str:
    """`k20250612-3f9a`: the day it was made, then random, so two keys never share an id."""
    return f"k{(now or datetime.now(UTC)):%Y%m%d}-{secrets.token_hex(2)}"


def parse_key(entry: str, *, where: str) -> tuple[str, bytes]:
    """One `kid:base64` entry; `where` says where it was read, for the error message."""
    kid, sep, encoded = entry.strip().partition(":")
    kid, encoded = kid.strip(), encoded.strip()
    if not sep or not kid or not encoded:
        raise KeyConfigError(f"{where} : format attendu « identifiant:clé_en_base64 »")
    if not KEY_ID.fullmatch(kid):
        raise KeyConfigError(
            f"{where} : identifiant de clé « {kid} » invalide "
            "(1 à 32 caractères parmi lettres, chiffres, « . », « _ » et « - »)"
        )
    try:
        key = base64.b64decode(encoded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise KeyConfigError(f"{where} : la clé « {kid} » n'est pas du base64 valide") from None
    if len(key) != KEY_BYTES:
        raise KeyConfigError(
            f"{where} : la clé « {kid} » fait {len(key)} octets, il en faut {KEY_BYTES} "
            "(générez-en une avec rgpd keys generate)"
        )
    return kid, key


def parse_keys(text: str) -> list[tuple[str, bytes]]:
    """`kid1:base64,kid2:base64` as in RGPD_ENCRYPTION_KEYS (its value is never quoted back)."""
    entries = [e for e in text.split(",") if e.strip()]
    return [
        parse_key(e, where=f"RGPD_ENCRYPTION_KEYS, entrée {n}") for n, e in enumerate(entries, 1)
    ]


def parse_key_file(path: Path) -> list[tuple[str, bytes]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KeyConfigError(
            f"fichier de clés {path} illisible : {exc.strerror or type(exc).__name__}"
        ) from None
    keys = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if line and not line.startswith("#"):
            keys.append(parse_key(line, where=f"fichier de clés {path}, ligne {number}"))
    return keys


def build_key_ring(entries: list[tuple[str, bytes]]) -> KeyRing:
    keys: dict[str, bytes] = {}
    for kid, key in entries:
        if kid in keys and keys[kid] != key:
            raise KeyConfigError(f"identifiant de clé « {kid} » donné deux fois avec deux clés")
        keys.setdefault(kid, key)
    if not keys:
        raise KeyConfigError(
            "aucune clé de chiffrement configurée : définissez RGPD_ENCRYPTION_KEYS ou "
            "RGPD_ENCRYPTION_KEY_FILE (rgpd keys generate en crée une)"
        )
    return KeyRing(keys=keys, current=entries[0][0])


_cache: dict[tuple, KeyRing] = {}


def get_key_ring() -> KeyRing:
    """The ring from the current settings; re-read when they or the key file change."""
    settings = get_settings()
    text = settings.encryption_keys.get_secret_value() if settings.encryption_keys else ""
    path = settings.encryption_key_file
    if path and settings.key_file_is_embedded_default and not path.exists():
        path = None  # not made yet: "no key configured", and prepare_keys makes it
    try:
        stamp = (path.stat().st_mtime_ns, path.stat().st_size) if path else None
    except OSError:
        stamp = None  # parse_key_file reports it
    cache_key = (text, path, stamp)
    ring = _cache.get(cache_key)
    if ring is None:
        entries = parse_keys(text) if text else []
        if path:
            entries += parse_key_file(path)
        ring = build_key_ring(entries)
        _cache.clear()  # one configuration at a time: old keys do not linger in memory
        _cache[cache_key] = ring
    return ring


NO_KEY_FOR_SERVER = (
    "aucune clé de chiffrement configurée : définissez RGPD_ENCRYPTION_KEYS (ou "
    "RGPD_ENCRYPTION_KEY_FILE, un fichier de clés hors de la base) avec une clé créée par "
    "« rgpd keys generate » ; sans elle, les faits des violations ne peuvent être ni écrits "
    "ni lus, et l'instance refuse de démarrer"
)


def embedded_key_warning(path: Path) -> str:
    return (
        f"attention : clé de chiffrement créée dans {path}. Sauvegardez ce fichier à part de "
        "la base, jamais avec elle : le perdre rend irrécupérables les champs chiffrés "
        "(faits des violations, messages, destinataires)."
    )


def prepare_keys(*, required: bool = True) -> Path | None:
    """Ready the key ring before a start: make the embedded key file if it is the default and
    missing (returns its path, so the caller prints `embedded_key_warning`; found readable by
    others, it is made 0600 and the log says so), then check the keys. With nothing configured
    and no SQLite file (PostgreSQL), raise `KeyConfigError` when `required` (a server), or do
    nothing (a schema migration needs no key)."""
    settings = get_settings()
    created = None
    path = settings.encryption_key_file
    embedded = path and settings.key_file_is_embedded_default
    if embedded and not path.exists() and create_key_file(path):
        created = path
    elif embedded and path.exists():
        restrict(path)  # made by an earlier version, or copied back with other modes: 0600
    keys_set = settings.encryption_keys and settings.encryption_keys.get_secret_value().strip()
    if not keys_set and not path:
        if required:
            raise KeyConfigError(NO_KEY_FOR_SERVER)
        return created
    get_key_ring()
    return created


def create_key_file(path: Path) -> bool:
    """Write a key file holding one new key, readable by its owner only (0600); False when
    another process made it first (the file appears whole: written aside, then linked)."""
    text = (
        "# Clés de chiffrement de registre-rgpd (AES-256), une par ligne « id:base64 », la "
        "première chiffre.\n"
        "# À sauvegarder à part de la base, jamais avec elle : sans elles, les champs chiffrés "
        "sont irrécupérables.\n"
        f"{new_key_id()}:{generate_key()}\n"
    )
    return write_new_secret_file(path, text)


def write_new_secret_file(path: Path, text: str) -> bool:
    """Write `text` as a new file readable by its owner only (0600), never over an existing
    one: written aside, then linked, so it appears whole. False when it already exists (another
    process made it first: its content is the one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.link(draft, path)  # fails if the file exists: never replaces a key
    except FileExistsError:
        return False
    finally:
        draft.unlink(missing_ok=True)
    return True
