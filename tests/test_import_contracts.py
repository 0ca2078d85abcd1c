"""The import contracts of pyproject.toml ([tool.importlinter], run by `make lint`) hold on the
tree, and each one fails when broken: a copy of the four packages gets one deliberately wrong
import (a canary), and lint-imports must name it. The copy lives in a temporary folder, removed
whatever happens; the source tree is never written to."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "jobs", "reports", "breach", "register", "core")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # The packages are found from the working folder first (lint-imports puts it at the head
    # of sys.path), so a copy is checked instead of the installed project. No cache: nothing
    # is written beside the sources.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_every_contract():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


LAYERS = "Layers: api > jobs | reports > breach > register > core"
CYCLES = "No import cycle between the sub-packages or modules of one package"
CLI_MODULES = "api.cli: the sub-command modules import common, never each other"
CLI_ROOT = "api.cli: only __main__ imports the package that assembles the command tree"

# (what the canary shows, text appended to files of the copy (or new files), the contract
# expected broken (another may break too), what lint-imports must say of it)
CANARIES = [
    (
        "core importing api (a layer importing one above it)",
        {"core/_canary.py": "import api.errors\n"},
        LAYERS,
        "core is not allowed to import api:\n\n- core._canary -> api.errors (l.1)",
    ),
    (
        "breach importing reports (the cross-domain reports sit above both domains)",
        {"breach/_canary.py": "from reports import calendar\n"},
        LAYERS,
        "breach is not allowed to import reports:\n\n- breach._canary -> reports.calendar",
    ),
    (
        "register importing breach",
        {"register/_canary.py": "from breach import deadlines\n"},
        LAYERS,
        "register is not allowed to import breach:\n\n- register._canary -> breach.deadlines",
    ),
    (
        "a cycle between two modules of one package",
        {
            "core/_canary_a.py": "import core._canary_b\n",
            "core/_canary_b.py": "import core._canary_a\n",
        },
        CYCLES,
        "No cycles are allowed in core.\nIt could be made acyclic by removing 1 dependency:\n\n"
        "- ._canary_",
    ),
    (
        "the audit journal importing the write helpers that record into it (an old cycle)",
        {"core/audit/journal.py": "\nimport core.persistence\n"},
        CYCLES,
        "No cycles are allowed in core.",
    ),
    (
        "a breach's steps importing the messages composed from them (an old cycle)",
        {"breach/breaches/service.py": "\nimport breach.messages.compose\n"},
        CYCLES,
        "No cycles are allowed in breach.",
    ),
    (
        "the breaches importing the incidents that fan out into them (an old cycle)",
        {"breach/breaches/service.py": "\nimport breach.incidents.models\n"},
        CYCLES,
        "No cycles are allowed in breach.",
    ),
    (
        "the organisations importing the conventions that bind them (an old cycle)",
        {"register/organisations/service.py": "\nimport register.conventions.partners\n"},
        CYCLES,
        "No cycles are allowed in register.",
    ),
    (
        "a register sub-package importing the art. 30 records built from it (an old cycle)",
        {"register/chains/subprocessors.py": "\nimport register.records\n"},
        CYCLES,
        "No cycles are allowed in register.",
    ),
    (
        "one CLI sub-command module importing another",
        {"api/cli/exports.py": "\nfrom api.cli import accounts\n"},
        CLI_MODULES,
        "api.cli.exports -> api.cli.accounts",
    ),
    (
        "common importing a CLI sub-command module",
        {"api/cli/common.py": "\nfrom api.cli import keys\n"},
        CLI_MODULES,
        "api.cli.common -> api.cli.keys",
    ),
    (
        "a new CLI module placed in no layer",
        {"api/cli/_canary.py": ""},
        CLI_MODULES,
        "api.cli._canary",
    ),
    (
        "a CLI sub-command module importing the command tree (the old cycle)",
        {"api/cli/accounts.py": "\nimport api.cli\n"},
        CLI_ROOT,
        "api.cli.accounts -> api.cli",
    ),
]


@pytest.mark.parametrize(
    ("files", "contract", "said"),
    [pytest.param(files, contract, said, id=what) for what, files, contract, said in CANARIES],
)
def test_a_canary_breaks_its_contract(files, contract, said):
    with tempfile.TemporaryDirectory(prefix="rgpd-import-canary-") as folder:
        copy = Path(folder)
        for package in PACKAGES:
            shutil.copytree(
                ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
            )
        shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
        assert lint_imports(copy).returncode == 0, "the copy must pass before the canary"
        for relative, text in files.items():
            path = copy / relative
            if path.exists():
                path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
            else:
                path.write_text(text, encoding="utf-8")

        result = lint_imports(copy)

    report = result.stdout + result.stderr
    assert result.returncode == 1, report
    assert f"{contract} BROKEN" in report, report
    assert said in report, report
