"""Password hashing with argon2id; a failed check costs the same whether the account exists."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.errors import ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher()  # argon2id, the library's current recommended parameters
# Checked against when the account is unknown, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("pas un vrai mot de passe, seulement pour le temps de réponse")


def check_strength(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValidationFailed.one(
            "password",
            msg=f"le mot de passe doit compter entre {MIN_LENGTH} et {MAX_LENGTH} caractères",
        )


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash, a dummy one is checked (same time)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
