"""The instance's Ed25519 key, which signs audit checkpoints. It is read from a PEM (PKCS8) file
named by RGPD_SIGNING_KEY_FILE, never stored in the database: whoever can write the database
cannot sign. Auditors check signatures with `public_key_pem()`, which may be published."""

import base64
import binascii
import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.config import get_settings
from core.keys import KeyConfigError


def generate_signing_key_pem() -> bytes:
    """A new private key, PEM PKCS8 unencrypted (protect the file: mode 0600)."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyConfigError(
            f"clé de signature {path} illisible : {exc.strerror or type(exc).__name__}"
        ) from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise KeyConfigError(
            f"clé de signature {path} : PEM PKCS8 non chiffré attendu "
            "(rgpd audit keygen en crée une)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyConfigError(f"clé de signature {path} : ce n'est pas une clé Ed25519")
    return key


_cache: dict[tuple, Ed25519PrivateKey] = {}


def get_signing_key() -> Ed25519PrivateKey:
    path = get_settings().signing_key_file
    if path is None:
        raise KeyConfigError(
            "aucune clé de signature configurée : définissez RGPD_SIGNING_KEY_FILE "
            "(clé Ed25519, PEM PKCS8)"
        )
    try:
        cache_key = (path, path.stat().st_mtime_ns)
    except OSError:
        return load_private_key(path)  # which says what is wrong with it
    if cache_key not in _cache:
        _cache.clear()
        _cache[cache_key] = load_private_key(path)
    return _cache[cache_key]


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint, stored with each signature, to tell keys apart after a change."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(key: Ed25519PrivateKey | None = None) -> str:
    public = (key or get_signing_key()).public_key()
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except (ValueError, TypeError):
        raise KeyConfigError("clé publique : PEM (SubjectPublicKeyInfo) attendu") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyConfigError("clé publique : ce n'est pas une clé Ed25519")
    return key


def sign(message: bytes, key: Ed25519PrivateKey | None = None) -> tuple[str, str]:
    """(key id, base64 signature) of `message`."""
    key = key or get_signing_key()
    return key_id(key.public_key()), base64.b64encode(key.sign(message)).decode("ascii")


def signature_valid(message: bytes, signature: str, public_key: Ed25519PublicKey) -> bool:
    try:
        public_key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
