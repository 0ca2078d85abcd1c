"""The systemd units, the environment file and the operator's wrapper of deploy/: checked by
systemd's own tools where they exist, and their commands run for real on the test's
database (SQLite, or PostgreSQL with RGPD_TEST_DB=postgres)."""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import AliasChoices

from core.config import Settings
from tests.conftest import IN_CI
from tests.deploy.conftest import (
    DEPLOY,
    ENV_EXAMPLE,
    INSTALLED_RGPD,
    ROOT,
    SYSTEMD,
    env_assignments,
    instance_env,
    rendered_exec,
    rgpd_executable,
    run_rgpd,
    system_tool,
    unit_directives,
    unit_value,
    wait_for,
)

pytestmark = pytest.mark.engine

SERVICES = ("registre-rgpd-web", "registre-rgpd-scheduler", "registre-rgpd-backup")
UNITS = [SYSTEMD / f"{name}.service" for name in SERVICES] + [
    SYSTEMD / "registre-rgpd-backup.timer"
]
BACKUP_DIR = "/var/backups/registre-rgpd"
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
}


def rendered_units(directory: Path) -> list[Path]:
    """The units with the venv's `rgpd` of this checkout where the installed one would be:
    systemd-analyze checks that each command is an executable."""
    paths = []
    for unit in UNITS:
        target = directory / unit.name
        target.write_text(
            unit.read_text(encoding="utf-8").replace(INSTALLED_RGPD, rgpd_executable()),
            encoding="utf-8",
        )
        paths.append(target)
    return paths


def systemd_analyze(*args: str) -> subprocess.CompletedProcess:
    tool = system_tool("systemd-analyze", "/usr/bin/systemd-analyze")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)


def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    # First a unit with two mistakes, to know this systemd-analyze really reads unit files
    # here (in a container without systemd as PID 1 it might not).
    canary = tmp_path / "canary.service"
    canary.write_text("[Service]\nExecStart=/bin/true\nNoSuchKey=1\nProtectSystem=bogus\n")
    probe = systemd_analyze("verify", str(canary))
    if "NoSuchKey" not in probe.stderr:
        pytest.skip(f"systemd-analyze verify does not check units here: {probe.stderr.strip()}")
    assert "bogus" in probe.stderr  # and a bad value, too

    units = rendered_units(tmp_path)
    result = systemd_analyze("verify", *map(str, units))
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    # Whatever it says about the host (no systemd as PID 1…) is accepted; nothing about ours.
    about_ours = [line for line in output.splitlines() if any(unit.name in line for unit in units)]
    assert about_ours == [], output


def test_systemd_rates_the_services_exposure_ok(tmp_path):
    """`systemd-analyze security`: 0 (locked down) to 10 (exposed); OK is at most 2."""
    units = rendered_units(tmp_path)
    probe = systemd_analyze("security", "--offline=yes", str(units[0]))
    if "Overall exposure level" not in probe.stdout:
        pytest.skip(f"systemd-analyze security --offline unsupported here: {probe.stderr}")
    for unit in units[:3]:
        result = systemd_analyze("security", "--offline=yes", str(unit))
        level = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", result.stdout)
        assert level, result.stdout + result.stderr
        assert float(level[1]) <= 2.0 and level[2] in ("SAFE", "OK"), (unit.name, level[0])


def test_the_three_services_share_one_hardening():
    blocks = {}
    for name in SERVICES:
        directives = unit_directives(SYSTEMD / f"{name}.service")
        service = [(k, v) for section, k, v in directives if section == "Service"]
        start = service.index(("NoNewPrivileges", "yes"))
        blocks[name] = [(k, v) for k, v in service[start:] if k != "ReadWritePaths"]
        for key, value in HARDENING.items():
            assert (key, value) in service, f"{name}: {key}={value}"
        assert ("SystemCallFilter", "@system-service") in service
        assert ("User", "registre-rgpd") in service
        assert ("WorkingDirectory", "/opt/registre-rgpd") in service
        assert ("EnvironmentFile", "/etc/registre-rgpd/registre-rgpd.env") in service
    assert blocks["registre-rgpd-web"] == blocks["registre-rgpd-scheduler"]
    assert blocks["registre-rgpd-web"] == blocks["registre-rgpd-backup"]
    # Only the backup writes where the backups go.
    assert unit_value(SYSTEMD / "registre-rgpd-web.service", "ReadWritePaths") == (
        "/var/lib/registre-rgpd"
    )
    backup_paths = unit_value(SYSTEMD / "registre-rgpd-backup.service", "ReadWritePaths")
    assert backup_paths.split() == ["/var/lib/registre-rgpd", BACKUP_DIR]


def test_the_units_commands():
    web = SYSTEMD / "registre-rgpd-web.service"
    assert shlex.split(unit_value(web, "ExecStartPre")) == [INSTALLED_RGPD, "migrate"]
    assert shlex.split(unit_value(web, "ExecStart")) == [
        INSTALLED_RGPD, "serve", "--no-scheduler", "--workers", "2", "--host", "127.0.0.1",
        "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1",
    ]  # fmt: skip
    scheduler = SYSTEMD / "registre-rgpd-scheduler.service"
    assert shlex.split(unit_value(scheduler, "ExecStart")) == [INSTALLED_RGPD, "scheduler"]
    # The scheduler starts after the web unit, whose ExecStartPre migrates the schema.
    assert "registre-rgpd-web.service" in unit_value(scheduler, "After").split()
    timer = SYSTEMD / "registre-rgpd-backup.timer"
    assert unit_value(timer, "Unit") == "registre-rgpd-backup.service"
    assert unit_value(timer, "Persistent") == "true"
    backup = SYSTEMD / "registre-rgpd-backup.service"
    assert unit_value(backup, "Type") == "oneshot"


def test_the_web_units_options_exist_in_rgpd_serve():
    """Each option the unit passes is one `rgpd serve` knows (its --help lists it)."""
    words = rendered_exec(SYSTEMD / "registre-rgpd-web.service")
    help_text = subprocess.run(
        [rgpd_executable(), "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    ).stdout
    for option in (w for w in words if w.startswith("--")):
        assert option in help_text, f"rgpd serve has no {option}"


# --- The environment file ------------------------------------------------------------------


def env_names(name: str) -> list[str]:
    """The variable names that set a Settings field (its aliases, or RGPD_<NAME>)."""
    alias = Settings.model_fields[name].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    if isinstance(alias, str):
        return [alias]
    return [f"RGPD_{name.upper()}"]


def test_every_setting_is_in_the_env_file_and_nothing_else():
    shipped = env_assignments(ENV_EXAMPLE.read_text(encoding="utf-8"))
    known = set()
    for name in Settings.model_fields:
        names = env_names(name)
        known.update(names)
        present = [n for n in names if n in shipped]
        assert len(present) == 1, f"{name}: one of {names} in {ENV_EXAMPLE.name}"
    assert set(shipped) <= known, f"not settings: {sorted(set(shipped) - known)}"


def as_env_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_the_defaults_the_env_file_shows_are_the_codes():
    """A `#RGPD_X=value` line documents the default: it must be what the code uses."""
    shipped = env_assignments(ENV_EXAMPLE.read_text(encoding="utf-8"))
    for name, field in Settings.model_fields.items():
        (env_name,) = [n for n in env_names(name) if n in shipped]
        value, active = shipped[env_name]
        if active or field.default_factory is not None:
            continue
        assert value == as_env_text(field.default), f"{env_name}: default {field.default!r}"


def test_the_env_file_holds_no_secret_and_loads(tmp_path):
    shipped = env_assignments(ENV_EXAMPLE.read_text(encoding="utf-8"))
    for secret in ("RGPD_ENCRYPTION_KEYS", "RGPD_SMTP_PASSWORD"):
        value, active = shipped[secret]
        assert not active and value == "", f"{secret} must not be set in the example"
    key_files = [shipped[n][0] for n in ("RGPD_ENCRYPTION_KEY_FILE", "RGPD_SIGNING_KEY_FILE")]
    assert all(path.startswith("/etc/registre-rgpd/keys/") for path in key_files)
    active = {name: value for name, (value, on) in shipped.items() if on}
    env = {k: v for k, v in os.environ.items() if not k.startswith("RGPD_")} | active
    script = (
        "from core.config import Settings\n"
        "s = Settings(_env_file=None)\n"
        "print(s.database_url, s.smtp_security, s.log_format, s.metrics_enabled, "
        "s.scheduler_enabled, s.mail_from, sep='|')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    url, security, log_format, metrics, scheduler, mail_from = result.stdout.strip().split("|")
    assert url.startswith("postgres://") and security == "starttls"
    assert (log_format, metrics, scheduler) == ("json", "True", "False")
    assert mail_from == "Registre RGPD <registre-rgpd@example.fr>"


# --- The commands of the units and of the wrapper, run ------------------------------------------


def systemd_command(line: str, env: dict[str, str]) -> list[str]:
    """A unit's command line as systemd runs it: `%%` is `%`, `$$` is `$`, `${NAME}` is
    replaced from the unit's environment (only what our units use)."""
    line = line.replace("%%", "\0percent").replace("$$", "\0dollar")
    assert not re.search(r"%[a-zA-Z]", line), f"unexpected specifier in {line}"
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m[1]], line)
    return [w.replace("\0percent", "%").replace("\0dollar", "$") for w in shlex.split(line)]


def test_the_backup_unit_backs_up_then_prunes_the_old_ones(tmp_path, fresh_database_url):
    unit = SYSTEMD / "registre-rgpd-backup.service"
    env = instance_env(tmp_path, fresh_database_url, "https://registre-rgpd.example.fr")
    run_rgpd(env, "migrate")
    run_rgpd(env, "demo")
    backups = tmp_path / "backups"
    backups.mkdir()
    unit_env = dict(
        v.split("=", 1)
        for _, k, value in unit_directives(unit)
        if k == "Environment"
        for v in shlex.split(value)
    )
    assert int(unit_env["KEEP_DAYS"]) >= 7
    old = backups / "registre-rgpd-20000101-021500.tar"
    old_partial = backups / "registre-rgpd-20000102-021500.tar.partial"
    recent = backups / "registre-rgpd-recent.tar"
    foreign = backups / "autre-chose.tar"
    for path in (old, old_partial, recent, foreign):
        path.write_bytes(b"x")
    long_ago = time.time() - (int(unit_env["KEEP_DAYS"]) + 2) * 86400
    for path in (old, old_partial, foreign):
        os.utime(path, (long_ago, long_ago))

    commands = [
        [w.replace(BACKUP_DIR, str(backups)).replace(INSTALLED_RGPD, rgpd_executable())
         for w in systemd_command(value, unit_env)]
        for _, key, value in unit_directives(unit)
        if key == "ExecStart"
    ]  # fmt: skip
    assert len(commands) == 2
    probe = subprocess.run([rgpd_executable(), "backup", "--help"], capture_output=True)
    if probe.returncode != 0:
        reason = "`rgpd backup` is not a command of the installed rgpd (api/cli/backup.py)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    for command in commands:  # Type=oneshot: in order, stopping at the first failure
        result = subprocess.run(
            command, cwd=ROOT, env={**env, **unit_env}, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    made = sorted(p.name for p in backups.glob("registre-rgpd-2*.tar") if p != old)
    assert len(made) == 1 and re.fullmatch(r"registre-rgpd-\d{8}-\d{6}\.tar", made[0])
    assert (backups / made[0]).stat().st_mode & 0o077 == 0, "readable by its owner only"
    assert not old.exists() and not old_partial.exists(), "older than KEEP_DAYS: deleted"
    assert recent.exists() and foreign.exists(), "recent ones and other files kept"
    listing = subprocess.run(
        ["tar", "-tf", str(backups / made[0])], capture_output=True, text=True, check=True
    ).stdout.split()
    assert listing[0] == "manifest.json"
    assert not any("key" in name for name in listing), listing


def test_the_cleanup_runs_only_after_a_successful_backup():
    """The cleanup is the second ExecStart of a oneshot, which systemd runs only when the
    first succeeded: a failing backup never deletes the older ones."""
    unit = SYSTEMD / "registre-rgpd-backup.service"
    starts = [v for _, k, v in unit_directives(unit) if k == "ExecStart"]
    assert "rgpd backup" in starts[0] and starts[1].startswith("/usr/bin/find ")
    assert unit_value(unit, "Type") == "oneshot"
    assert not [k for _, k, _ in unit_directives(unit) if k == "ExecStartPost"]
    assert "-delete" in starts[1] and "-name registre-rgpd-*.tar*" in starts[1]


def test_the_scheduler_unit_leads_and_stops_cleanly(tmp_path, fresh_database_url):
    env = instance_env(tmp_path, fresh_database_url, "https://registre-rgpd.example.fr")
    run_rgpd(env, *rendered_exec(SYSTEMD / "registre-rgpd-web.service", "ExecStartPre")[1:])
    command = rendered_exec(SYSTEMD / "registre-rgpd-scheduler.service")
    log = tmp_path / "scheduler.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        wait_for(
            lambda: "leading as" in log.read_text() or process.poll() is not None,
            120,
            "the scheduler to lead",
        )
        assert process.poll() is None, log.read_text()
        process.send_signal(signal.SIGTERM)  # what `systemctl stop` sends
        assert process.wait(timeout=60) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert "scheduler stopped" in log.read_text()


def test_the_operators_wrapper_runs_rgpd_with_the_env_file(tmp_path, fresh_database_url):
    """deploy/bin/rgpd-admin reads the env file with the shell, as systemd reads it."""
    env = instance_env(tmp_path, fresh_database_url, "https://registre-rgpd.example.fr")
    env_file = tmp_path / "registre-rgpd.env"
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    for name in ("RGPD_DATABASE_URL", "RGPD_ENCRYPTION_KEY_FILE", "RGPD_SIGNING_KEY_FILE"):
        text = re.sub(rf"(?m)^{name}=.*$", f"{name}={env[name]}", text)
    env_file.write_text(text, encoding="utf-8")
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RGPD_")}
    wrapper = str(DEPLOY / "bin" / "rgpd-admin")

    def admin(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [wrapper, *args], cwd=tmp_path, capture_output=True, text=True, timeout=300,
            env={**clean, "RGPD_ENV_FILE": str(env_file), "RGPD_HOME": str(ROOT),
                 "RGPD_USER": user},
        )  # fmt: skip

    assert admin("migrate").returncode == 0
    assert admin("demo").returncode == 0
    listing = admin("organisations")
    assert listing.returncode == 0, listing.stderr
    assert "Commune de Juvisy-sur-Orge" in listing.stdout
    check = admin("keys", "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_recommended_unix_socket_url_works(tmp_path, fresh_database_url):
    """The env file's PostgreSQL URL form (socket directory in ?host=, no password) works:
    migrate, demo and a query over the Unix socket."""
    socket_dir = Path("/run/postgresql")
    if not fresh_database_url.startswith("postgres"):
        pytest.skip("PostgreSQL only (RGPD_TEST_DB=postgres)")
    if not (socket_dir / ".s.PGSQL.5432").exists():
        pytest.skip(f"no PostgreSQL socket in {socket_dir} here")
    shipped = env_assignments(ENV_EXAMPLE.read_text(encoding="utf-8"))["RGPD_DATABASE_URL"][0]
    assert shipped.endswith(f"?host={socket_dir}")
    parts = urlsplit(fresh_database_url)  # the test server's user and database
    url = f"postgres://{parts.username}@/{parts.path.lstrip('/')}?host={socket_dir}"
    env = instance_env(tmp_path, url, "https://registre-rgpd.example.fr")
    run_rgpd(env, "migrate")
    run_rgpd(env, "demo")
    assert "Commune de Juvisy-sur-Orge" in run_rgpd(env, "organisations")


def test_the_wrapper_is_a_posix_shell_script():
    wrapper = DEPLOY / "bin" / "rgpd-admin"
    assert wrapper.read_text().startswith("#!/bin/sh\n")
    assert os.access(wrapper, os.X_OK)
    if shutil.which("dash"):
        assert subprocess.run(["dash", "-n", str(wrapper)]).returncode == 0
