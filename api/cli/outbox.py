"""`rgpd outbox send` and `rgpd messages`: the e-mail outbox from the terminal."""

import typer

from api.cli.common import CLI_SCOPE, run
from core.french import plural

outbox_app = typer.Typer(help="Messages à envoyer (boîte d'envoi)", no_args_is_help=True)


@outbox_app.command("send")
def outbox_send() -> None:
    """One delivery pass: send what is due now, and say what became of it."""
    from core.outbox.delivery import deliver_due
    from core.outbox.service import owner_id

    report = run(lambda: deliver_due(owner=owner_id("cli")))
    for error in report.errors:
        typer.echo(f"  {error}", err=True)
    typer.echo(
        f"envoyés : {report.sent}, à réessayer : {report.retried}, en échec : {report.failed}"
    )


def list_messages(
    status: str | None = typer.Option(None, help="pending, sending, sent or failed"),
    limit: int = 100,
) -> None:
    """Outbox messages, newest first, with their state and the reason of a failure."""
    from core.clock import to_local
    from core.outbox import service as outbox
    from core.outbox.models import MESSAGE_STATUS_LABELS, MessageStatus

    try:
        wanted = MessageStatus(status) if status else None
    except ValueError:
        typer.echo(f"erreur : état inconnu « {status} »", err=True)
        raise typer.Exit(2) from None

    async def work():
        return await outbox.list_messages(scope=CLI_SCOPE, limit=limit, offset=0, status=wanted)

    page = run(work)
    for m in page.items:
        when = to_local(m.sent_at or m.created_at).strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(
            f"{m.id}  {MESSAGE_STATUS_LABELS[m.status]:18} {when}  essais {m.attempts}  "
            f"{m.kind}  {', '.join(m.to_addrs) or '—'}"
        )
        typer.echo(f"    {m.subject}")
        if m.last_error and m.status != MessageStatus.SENT:
            typer.echo(f"    motif : {m.last_error}")
    typer.echo(plural(page.total, "message"))
