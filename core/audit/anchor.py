"""The journal's anchor: the signed heads of its chains, kept outside the database.

The signed checkpoints in the database only protect what is left of it: whoever can write the
database can delete a chain's last events together with their checkpoints, or a whole chain,
and the rest still verifies. So each checkpoint, when it is signed, is also appended to an
anchor file beside the signing key (`journal-anchor.jsonl` in the signing key's folder, or
RGPD_AUDIT_ANCHOR_FILE): one JSON line per head (chain, seq, hash, signed_at, key_id,
signature), written before the checkpoint's row, fsync'd, mode 0600, only ever appended to.
`core.audit.verify` then checks the database against it: a chain shorter than an anchored
head, a chain gone, an event at an anchored number that no longer has the anchored hash, or a
line whose signature does not hold are reported. The evidence bundle carries the heads of its
bodies in the same format, so `rgpd audit verify --anchor` checks against an older bundle too.
"""

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.audit.canonical import timestamp
from core.config import get_settings
from core.keys import KeyConfigError

ANCHOR_FILE_NAME = "journal-anchor.jsonl"
FIELDS = ("chain", "seq", "hash", "signed_at", "key_id", "signature")


@dataclass(frozen=True)
class Head:
    """One signed head of a chain, as the anchor holds it (`line`: its line number)."""

    chain: str
    seq: int
    hash: str
    signed_at: datetime
    key_id: str
    signature: str
    line: int = 0

    def as_dict(self) -> dict:
        return {
            "chain": self.chain,
            "seq": self.seq,
            "hash": self.hash,
            "signed_at": timestamp(self.signed_at),
            "key_id": self.key_id,
            "signature": self.signature,
        }


@dataclass(frozen=True)
class Anchor:
    """What an anchor file holds: its heads, and the lines that could not be read."""

    path: Path
    heads: list[Head]
    unreadable: list[int]  # line numbers

    def chains(self) -> set[str]:
        return {h.chain for h in self.heads}


def anchor_path() -> Path | None:
    """The anchor file: the configured one, else beside the signing key; None without a
    signing key (nothing is signed, so nothing is anchored)."""
    settings = get_settings()
    if settings.audit_anchor_file is not None:
        return settings.audit_anchor_file
    if settings.signing_key_file is not None:
        return settings.signing_key_file.with_name(ANCHOR_FILE_NAME)
    return None


def head_line(head: Head) -> bytes:
    return json.dumps(head.as_dict(), sort_keys=True, separators=(",", ":")).encode() + b"\n"


def append_head(path: Path, head: Head) -> None:
    """Append one head, durably: the line is written in one call at the end of the file (under
    an exclusive lock, for writers of other processes), then fsync'd; a new file is made with
    mode 0600 and its folder fsync'd too. Nothing is ever rewritten."""
    line = head_line(head)
    try:
        created = not path.exists()
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    except OSError as exc:
        raise KeyConfigError(
            f"ancre du journal {path} : impossible de l'ouvrir en ajout "
            f"({exc.strerror or exc}) ; le point de contrôle n'est pas signé"
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if created:
            os.fchmod(fd, 0o600)  # whatever the umask
        if os.fstat(fd).st_size and not _ends_with_newline(fd):
            line = b"\n" + line  # a line cut by a crash stays alone (read as unreadable)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_folder(path.parent)


def _ends_with_newline(fd: int) -> bool:
    return os.pread(fd, 1, os.fstat(fd).st_size - 1) == b"\n"


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def parse_head(text: str, line: int = 0) -> Head | None:
    """One line of an anchor (or of a bundle's heads); None when it is not one."""
    try:
        data = json.loads(text)
        values = {name: data[name] for name in FIELDS}
        head = Head(
            chain=str(values["chain"]),
            seq=int(values["seq"]),
            hash=str(values["hash"]),
            signed_at=datetime.fromisoformat(values["signed_at"]),
            key_id=str(values["key_id"]),
            signature=str(values["signature"]),
            line=line,
        )
    except (ValueError, TypeError, KeyError):
        return None
    return head if head.signed_at.tzinfo is not None and head.seq > 0 else None


def read_anchor(path: Path) -> Anchor:
    """The heads an anchor file holds (raises OSError when it cannot be read)."""
    heads: list[Head] = []
    unreadable: list[int] = []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, text in enumerate(lines, 1):
            if not text.strip():
                continue
            head = parse_head(text, number)
            if head is None:
                unreadable.append(number)
            else:
                heads.append(head)
    return Anchor(path=path, heads=heads, unreadable=unreadable)


def latest_heads(heads: list[Head]) -> dict[str, Head]:
    """The highest head of each chain."""
    latest: dict[str, Head] = {}
    for head in heads:
        if head.chain not in latest or head.seq >= latest[head.chain].seq:
            latest[head.chain] = head
    return latest
