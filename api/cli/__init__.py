"""`rgpd`: the command line for administrators, DPOs and scripts.

This module only assembles the command tree: each command lives in a sub-command module of
this package, and what they share (the runner, the organisation lookup, the checks made before
a start) in `api.cli.common`. The sub-command modules import `common`, never each other nor
this module (import-linter's contracts in pyproject.toml, run by `make lint`).

Every command goes through the same services as the API, so a record kept from the
terminal obeys the same rules (validation, versions, scope).
"""

import typer

from api.cli import accounts, audit, backup, bundle, exports, instance, keys, outbox, resources

app = typer.Typer(
    help="registre-rgpd : registre des traitements et violations de données",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # a traceback never shows a URL with its password
)

# Commands, then groups: `rgpd --help` lists them in this order.
app.command("migrate")(instance.migrate)
app.command("demo")(instance.demo)
app.command("serve")(instance.serve)
app.command("scheduler")(instance.scheduler)
app.command("messages")(outbox.list_messages)
app.command("create")(resources.create)
app.command("update")(resources.update)
app.command("delete")(resources.delete)
app.command("organisations")(resources.list_organisations)
app.command("activities")(resources.list_activities)
app.command("breaches")(resources.list_breaches)
app.command("export")(exports.export_command)
app.command("import")(exports.import_command)
app.command("backup")(backup.backup_command)
app.command("restore")(backup.restore_command)

app.add_typer(resources.record_app, name="record")
app.add_typer(outbox.outbox_app, name="outbox")
app.add_typer(keys.keys_app, name="keys")
app.add_typer(audit.app, name="audit")
app.add_typer(bundle.app, name="bundle")
app.add_typer(accounts.user_app, name="user")
app.add_typer(accounts.token_app, name="token")


def main() -> None:
    app()
