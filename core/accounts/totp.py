"""Optional second factor: time-based one-time passwords (RFC 6238, 30 s, 6 digits)."""

import hmac
import re
from datetime import datetime

import pyotp

ISSUER = "registre-rgpd"
STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def is_valid_secret(secret: str) -> bool:
    """A base32 secret as new_secret() makes them (32 characters), or one 16 to 64 long."""
    return bool(re.fullmatch(r"[A-Z2-7]{16,64}", secret or ""))


def grouped(secret: str) -> str:
    """'JBSW Y3DP EHPK 3PXP': easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str | None, *, now: datetime) -> int | None:
    """The time step the code belongs to (the current one or one either side), or None."""
    if not code or not code.strip().isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code.strip()):
            return step
    return None
