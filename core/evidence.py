"""Signed evidence bundles: a ZIP of files, a manifest of their SHA-256 digests in the format
of coreutils `sha256sum`, and the instance's Ed25519 signature of that manifest.

An auditor checks a bundle with nothing of this project: `openssl pkeyutl -verify -rawin`
checks the signature of the manifest, `sha256sum -c` the files against it
(docs/evidence-bundle.md). `verify_bundle` does both, and also finds the files added to the
archive, which `sha256sum -c` cannot see.

Nothing here knows what the files are: reports.bundle decides what goes in.
"""

import hashlib
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.audit.signing import key_id

MANIFEST = "MANIFEST.sha256"
SIGNATURE = "MANIFEST.sha256.sig"
PUBLIC_KEY = "cle-publique.pem"
# Files a bundle may hold without the manifest listing them: the manifest and its signature
# cannot list themselves; the public key is a copy given for convenience (bundles written by
# `EvidenceZip` list it all the same, so its copy cannot be swapped unseen).
UNLISTED = frozenset({MANIFEST, SIGNATURE, PUBLIC_KEY})

CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024  # a written file larger than this goes to a temporary file
MAX_MANIFEST = 64 * 1024 * 1024  # a manifest is read whole: refuse an absurd one
SIGNATURE_SIZE = 64  # raw Ed25519


BUNDLE_FILE = "lot.zip"
PUBLISHED_KEY_FILE = "cle-publique-publiee.pem"


def verification_steps(*, extra: bool = False) -> list[str]:
    """The shell commands that check a bundle `lot.zip` with the public key published by the
    service saved beside it: the same in the bundle's LISEZMOI, in docs/evidence-bundle.md and
    in the tests, which run them. `extra`: the bash line that lists files the manifest does
    not name (which `sha256sum -c` cannot see); it prints nothing for an intact bundle."""
    steps = [
        f"unzip {BUNDLE_FILE} -d lot",
        "cd lot",
        f"openssl pkeyutl -verify -pubin -inkey ../{PUBLISHED_KEY_FILE} -rawin "
        f"-in {MANIFEST} -sigfile {SIGNATURE}",
        f"sha256sum -c {MANIFEST}",
    ]
    if extra:
        steps.append(
            f"diff <(cut -c67- {MANIFEST}) "
            f"<(find . -type f ! -name {MANIFEST} ! -name {SIGNATURE} | cut -c3- | LC_ALL=C sort)"
        )
    return steps


class UnsafePath(ValueError):
    """A path a bundle may not hold: it could be written outside the folder it is unzipped to,
    or `sha256sum` would write it in its escaped form."""


def check_path(path: str) -> str:
    """`path` as a bundle holds it (relative, forward slashes), or UnsafePath."""
    if not path or path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise UnsafePath(f"{path or '(vide)'} : chemin absolu ou vide refusé")
    if "\\" in path or "\n" in path or "\r" in path or "\0" in path:
        raise UnsafePath(f"{path!r} : caractère refusé dans un chemin (\\, saut de ligne, NUL)")
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise UnsafePath(f"{path} : chemin refusé (« .. », « . » ou « // »)")
    return path


def manifest_line(digest: str, path: str) -> bytes:
    """One line as `sha256sum` writes it in text mode: digest, two spaces, path."""
    return f"{digest}  {check_path(path)}\n".encode()


def build_manifest(digests: dict[str, str]) -> bytes:
    """The manifest of {path: hex digest}, sorted by path (by its UTF-8 bytes)."""
    ordered = sorted(digests, key=lambda p: p.encode("utf-8"))
    return b"".join(manifest_line(digests[path], path) for path in ordered)


def sign_manifest(manifest: bytes, key: Ed25519PrivateKey) -> bytes:
    """The raw 64-byte Ed25519 signature of the manifest's bytes, as `openssl pkeyutl -rawin`
    checks it."""
    return key.sign(manifest)


def public_key_file(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class _HashingWriter(io.RawIOBase):
    """Passes writes on to `target` and hashes them on the way."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        view = memoryview(data).cast("B")
        self._target.write(view)
        self.digest.update(view)
        self.size += len(view)
        return len(view)


class EvidenceZip:
    """Writes a bundle file by file into `out`; `finish` adds the manifest and its signature.

    Each file goes into the ZIP (deflated) as it is written and is hashed on the way, so
    memory stays flat whatever the size of the files. A writer that needs to seek (XLSX,
    ODS, anything that rewrites its start) writes to a spooled temporary file first:
    `spooled(path)`.
    """

    def __init__(self, out: BinaryIO) -> None:
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self.digests: dict[str, str] = {}
        self.sizes: dict[str, int] = {}

    def _claim(self, path: str) -> str:
        check_path(path)
        if path in self.digests or path in (MANIFEST, SIGNATURE):
            raise ValueError(f"{path} : déjà dans le lot")
        return path

    @contextmanager
    def open(self, path: str, *, large: bool = False) -> Iterator[BinaryIO]:
        """A binary stream into the bundle's file `path`. `large`: may pass 2 GiB (ZIP64)."""
        self._claim(path)
        with self._zip.open(path, "w", force_zip64=large) as member:
            writer = _HashingWriter(member)
            yield writer  # type: ignore[misc]
        self.digests[path] = writer.digest.hexdigest()
        self.sizes[path] = writer.size

    @contextmanager
    def spooled(self, path: str) -> Iterator[BinaryIO]:
        """A seekable temporary file whose content goes into the bundle once closed."""
        self._claim(path)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            yield spool  # type: ignore[misc]
            spool.seek(0)
            with self.open(path, large=True) as member:
                shutil.copyfileobj(spool, member, CHUNK)

    def write(self, path: str, data: bytes) -> None:
        with self.open(path) as member:
            member.write(data)

    def finish(self, key: Ed25519PrivateKey) -> bytes:
        """Write the manifest and its signature, close the ZIP; the manifest's bytes."""
        manifest = build_manifest(self.digests)
        self._zip.writestr(MANIFEST, manifest)
        self._zip.writestr(SIGNATURE, sign_manifest(manifest, key))
        self._zip.close()
        return manifest

    def abort(self) -> None:
        self._zip.close()


@dataclass
class BundleCheck:
    files: int = 0  # files the manifest lists
    key_id: str = ""  # the key the signature was checked with
    signature_valid: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.signature_valid and not self.problems


def _parse_manifest(data: bytes, check: BundleCheck) -> dict[str, str]:
    listed: dict[str, str] = {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        check.problems.append(f"{MANIFEST} : manifeste illisible (pas en UTF-8)")
        return listed
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    else:
        check.problems.append(f"{MANIFEST} : la dernière ligne ne finit pas par un saut de ligne")
    for number, line in enumerate(lines, start=1):
        digest, separator, path = line[:64], line[64:66], line[66:]
        if (
            len(digest) != 64
            or separator not in ("  ", " *")
            or any(c not in "0123456789abcdef" for c in digest)
        ):
            check.problems.append(f"{MANIFEST}, ligne {number} : ligne illisible")
            continue
        try:
            check_path(path)
        except UnsafePath as exc:
            check.problems.append(f"{MANIFEST}, ligne {number} : {exc}")
            continue
        if path in listed:
            check.problems.append(f"{path} : listé plusieurs fois dans {MANIFEST}")
            continue
        listed[path] = digest
    return listed


def _digest(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_bundle(
    source: str | Path | bytes | BinaryIO, public_key: Ed25519PublicKey
) -> BundleCheck:
    """Check a bundle against `public_key` and report every problem found, in French, each
    naming its file: the signature, each file's digest, files listed but absent, files
    present but not listed, unsafe paths. The files are read in chunks, never whole."""
    check = BundleCheck(key_id=key_id(public_key))
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    name = str(source) if isinstance(source, str | Path) else "le lot"
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "archive ZIP"
        check.problems.append(f"{name} : illisible ({reason})")
        return check
    with archive:
        _check_archive(archive, public_key, check)
    return check


def _check_archive(
    archive: zipfile.ZipFile, public_key: Ed25519PublicKey, check: BundleCheck
) -> None:
    members = _members(archive, check)
    manifest = _required_member(
        archive, members, MANIFEST, MAX_MANIFEST, "manifeste absent du lot", check
    )
    signature = _required_member(
        archive, members, SIGNATURE, 1024, "signature absente du lot", check
    )
    if manifest is not None and signature is not None:
        _check_signature(manifest, signature, public_key, check)
    _check_key_copy(archive, members, public_key, check)
    if manifest is None:
        return
    listed = _parse_manifest(manifest, check)
    check.files = len(listed)
    _check_listed_files(archive, members, listed, check)
    for path in members:
        if path not in listed and path not in UNLISTED:
            check.problems.append(f"{path} : présent dans le lot mais absent de {MANIFEST}")


def _members(archive: zipfile.ZipFile, check: BundleCheck) -> dict[str, zipfile.ZipInfo]:
    """The archive's files by path; an unsafe or repeated path is a problem, not a member."""
    members: dict[str, zipfile.ZipInfo] = {}
    for info in archive.infolist():
        path = info.filename
        if info.is_dir() and info.file_size == 0:
            continue  # `zip -r` writes folders: nothing to hash
        try:
            check_path(path)
        except UnsafePath as exc:
            check.problems.append(f"{exc} (l'archive ne doit pas être décompressée)")
            continue
        if path in members:
            check.problems.append(f"{path} : présent plusieurs fois dans l'archive")
            continue
        members[path] = info
    return members


def _required_member(
    archive: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    path: str,
    limit: int,
    absent: str,
    check: BundleCheck,
) -> bytes | None:
    """The manifest or its signature read whole, or None and why (`absent` when missing)."""
    if path not in members:
        check.problems.append(f"{path} : {absent}")
        return None
    return _read_member(archive, members[path], limit, check)


def _check_signature(
    manifest: bytes, signature: bytes, public_key: Ed25519PublicKey, check: BundleCheck
) -> None:
    try:
        if len(signature) != SIGNATURE_SIZE:
            raise InvalidSignature
        public_key.verify(signature, manifest)
        check.signature_valid = True
    except InvalidSignature:
        check.problems.append(
            f"{SIGNATURE} : signature invalide pour {MANIFEST} (le manifeste ou sa "
            f"signature a été modifié, ou le lot n'a pas été signé par la clé {check.key_id})"
        )


def _check_listed_files(
    archive: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    listed: dict[str, str],
    check: BundleCheck,
) -> None:
    """Each file the manifest lists is in the archive, readable, with the listed digest."""
    for path, expected in listed.items():
        if path not in members:
            check.problems.append(f"{path} : listé dans {MANIFEST} mais absent du lot")
            continue
        try:
            actual = _digest(archive, members[path])
        except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
            check.problems.append(f"{path} : illisible dans l'archive ({exc})")
            continue
        if actual != expected:
            check.problems.append(
                f"{path} : empreinte SHA-256 différente de celle du manifeste (fichier modifié)"
            )


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, check: BundleCheck
) -> bytes | None:
    """A small member read whole (the manifest, the signature, the key), or None and why."""
    if info.file_size > limit:
        check.problems.append(f"{info.filename} : trop grand ({info.file_size} octets)")
        return None
    try:
        with archive.open(info) as member:
            return member.read(limit)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        check.problems.append(f"{info.filename} : illisible dans l'archive ({exc})")
        return None


def _check_key_copy(
    archive: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    public_key: Ed25519PublicKey,
    check: BundleCheck,
) -> None:
    """The bundle's copy of the public key, when there is one, must be the key it was checked
    with: a different copy misleads whoever trusts it instead of the published key."""
    if PUBLIC_KEY not in members:
        return
    data = _read_member(archive, members[PUBLIC_KEY], 64 * 1024, check)
    if data is None:
        return
    try:
        copy = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        check.problems.append(f"{PUBLIC_KEY} : copie de la clé publique illisible")
        return
    if not isinstance(copy, Ed25519PublicKey) or public_key_file(copy) != public_key_file(
        public_key
    ):
        other = key_id(copy) if isinstance(copy, Ed25519PublicKey) else "autre type"
        check.problems.append(
            f"{PUBLIC_KEY} : la copie de la clé publique ({other}) n'est pas la clé de "
            f"vérification ({check.key_id})"
        )
