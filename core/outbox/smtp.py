"""Delivering one message over SMTP (aiosmtplib), and telling a refusal from a hiccup."""

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from core.config import Settings
from core.outbox.models import OutboxMessage


@dataclass(frozen=True)
class SendFailure(Exception):
    reason: str
    permanent: bool  # a 5xx refusal: trying again would be refused again
    unreachable: bool = False  # no server to talk to: the next messages would fail the same

    def __str__(self) -> str:
        return self.reason


def build_email(message: OutboxMessage, settings: Settings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = ", ".join(message.to_addrs)
    if message.cc_addrs:
        email["Cc"] = ", ".join(message.cc_addrs)
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message.message_id
    # RFC 3834: a machine wrote it; out-of-office replies should not answer.
    email["Auto-Submitted"] = "auto-generated"
    email["X-Registre-RGPD-Kind"] = message.kind
    email.set_content(message.body_text, charset="utf-8")
    return email


class SmtpConnection:
    """One SMTP connection for a delivery pass: opened on the first message, reused for the
    next ones (a new connection per message caps delivery near 200 a second), and dropped
    after any error so the next message starts on a fresh one."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self.client is not None and self.client.is_connected:
            return self.client
        settings = self.settings
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            use_tls=settings.smtp_security == "tls",
            start_tls=settings.smtp_security == "starttls",
            username=settings.smtp_username,
            password=password,
            timeout=settings.smtp_timeout_seconds,
        )
        await client.connect()  # also STARTTLS and AUTH when configured
        self.client = client
        return client

    async def send(self, email: EmailMessage) -> None:
        """Send or raise SendFailure, saying whether another attempt could succeed."""
        try:
            client = await self._connected()
            errors, _ = await client.send_message(email)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            await self.close()
            refused = "; ".join(f"{r.recipient} : {r.code} {r.message}" for r in exc.recipients)
            permanent = all(500 <= r.code < 600 for r in exc.recipients)
            raise SendFailure(f"destinataires refusés ({refused})", permanent) from None
        except aiosmtplib.SMTPResponseException as exc:
            await self.close()
            raise SendFailure(
                f"refus du serveur SMTP : {exc.code} {exc.message}", 500 <= exc.code < 600
            ) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self.close()
            where = f"{self.settings.smtp_host}:{self.settings.smtp_port}"
            raise SendFailure(
                f"serveur SMTP injoignable ({where}) : {type(exc).__name__} {exc}",
                permanent=False,
                unreachable=True,
            ) from None
        # Some recipients may have been refused while others took it: the message left, so it
        # counts as sent; the refusals are not retried, or the others would receive it twice.
        del errors

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()
