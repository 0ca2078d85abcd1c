"""core.evidence on its own: the manifest is what `sha256sum` writes, and `verify_bundle`
reports every problem by file name, refuses unsafe paths, and reads files in chunks."""

import hashlib
import io
import subprocess
import tracemalloc
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.evidence import (
    MANIFEST,
    SIGNATURE,
    EvidenceZip,
    UnsafePath,
    build_manifest,
    check_path,
    sign_manifest,
    verify_bundle,
)

KEY = Ed25519PrivateKey.generate()
FILES = {
    "LISEZMOI.txt": b"Lot de preuves\n",
    "commune-de-sceaux/données é.txt": "État civil\n".encode(),
    "commune-de-sceaux/notifications/VIO-2026-0001/01-cnil-initiale.txt": b"Objet : ...\n",
    "b.bin": bytes(range(256)) * 100,
    "vide.txt": b"",
}


def bundle(files=FILES, key=KEY) -> bytes:
    out = io.BytesIO()
    writer = EvidenceZip(out)
    for path, data in files.items():
        writer.write(path, data)
    writer.finish(key)
    return out.getvalue()


def zip_of(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name), data)
    return out.getvalue()


def test_the_manifest_is_what_sha256sum_writes(tmp_path):
    data = bundle()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
        manifest = archive.read(MANIFEST)
        assert len(archive.read(SIGNATURE)) == 64
    paths = sorted(FILES, key=lambda p: p.encode())
    made = subprocess.run(
        ["sha256sum", "--", *paths], cwd=tmp_path, capture_output=True, check=True
    )
    assert manifest == made.stdout
    assert manifest.decode("utf-8").splitlines()[0].endswith("  LISEZMOI.txt")
    checked = subprocess.run(["sha256sum", "-c", MANIFEST], cwd=tmp_path, capture_output=True)
    assert checked.returncode == 0, checked.stdout


def test_an_intact_bundle_verifies():
    check = verify_bundle(bundle(), KEY.public_key())
    assert check.intact and check.signature_valid
    assert (check.files, check.problems) == (len(FILES), [])


def test_manifest_sorted_by_path_and_signature_over_its_bytes():
    manifest = build_manifest({"b/x": "1" * 64, "a": "2" * 64, "B": "3" * 64})
    assert manifest == f"{'3' * 64}  B\n{'2' * 64}  a\n{'1' * 64}  b/x\n".encode()
    KEY.public_key().verify(sign_manifest(manifest, KEY), manifest)


@pytest.mark.parametrize(
    "path", ["../x", "a/../../x", "/etc/passwd", "C:/x", "a\\b", "a//b", "./a", "", "a\nb"]
)
def test_unsafe_paths_are_refused_when_written_and_reported_when_read(path):
    with pytest.raises(UnsafePath):
        check_path(path)
    with pytest.raises(UnsafePath):
        EvidenceZip(io.BytesIO()).write(path, b"x")
    if not path or "\n" in path:
        return
    data = bundle()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [(i.filename, archive.read(i)) for i in archive.infolist()]
    check = verify_bundle(zip_of([*entries, (path, b"evil")]), KEY.public_key())
    assert not check.intact
    (problem,) = check.problems
    assert problem.startswith((path, repr(path))) and "refusé" in problem


def test_missing_manifest_and_signature_and_a_broken_archive():
    check = verify_bundle(zip_of([("a.txt", b"a")]), KEY.public_key())
    assert check.problems == [
        f"{MANIFEST} : manifeste absent du lot",
        f"{SIGNATURE} : signature absente du lot",
    ]
    broken = verify_bundle(b"PK\x03\x04 rien", KEY.public_key())
    assert broken.problems == ["le lot : illisible (archive ZIP)"]


def test_every_problem_is_reported_at_once():
    data = bundle()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist()}
    entries["b.bin"] = b"autre contenu"
    del entries["vide.txt"]
    entries["ajout.txt"] = b"ajout"
    entries[SIGNATURE] = bytes(64)
    check = verify_bundle(zip_of(list(entries.items())), KEY.public_key())
    assert [p.split(" : ")[0] for p in check.problems] == [
        SIGNATURE,
        "b.bin",
        "vide.txt",
        "ajout.txt",
    ]


def test_a_name_twice_in_the_archive_and_a_bad_manifest_line():
    manifest = (
        f"{hashlib.sha256(b'a').hexdigest()}  a.txt\n"
        f"{hashlib.sha256(b'a').hexdigest()}  a.txt\n"
        "pas une ligne de sha256sum\n"
    ).encode()
    entries = [
        ("a.txt", b"a"),
        ("a.txt", b"b"),
        (MANIFEST, manifest),
        (SIGNATURE, sign_manifest(manifest, KEY)),
    ]
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = zip_of(entries)
    check = verify_bundle(data, KEY.public_key())
    assert check.signature_valid
    assert check.problems == [
        "a.txt : présent plusieurs fois dans l'archive",
        f"a.txt : listé plusieurs fois dans {MANIFEST}",
        f"{MANIFEST}, ligne 3 : ligne illisible",
    ]


def test_large_files_are_streamed_both_ways():
    size = 32 * 1024 * 1024
    block = hashlib.sha256(b"seed").digest() * 2048  # 64 KiB, compressible
    out = io.BytesIO()
    tracemalloc.start()
    try:
        writer = EvidenceZip(out)
        with writer.open("gros/journal.jsonl", large=True) as member:
            for _ in range(size // len(block)):
                member.write(block)
        writer.finish(KEY)
        _, written_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        check = verify_bundle(out, KEY.public_key())
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert check.intact, check.problems
    assert writer.sizes["gros/journal.jsonl"] == size
    # The ZIP itself is in memory here (BytesIO, a few hundred KiB): the files never are.
    assert written_peak < 4 * 1024 * 1024, written_peak
    assert read_peak < 4 * 1024 * 1024, read_peak
