"""E-mail over SMTP (P3.1.3 vouchers and confirmations, P7.1.1 notices), with STARTTLS or
implicit TLS and authentication, through the asyncio client aiosmtplib.

Each message carries a Message-ID derived from the outbox event (`<evt_<n>.<hash>@domain>`), the
same on every retry, so a mail system that sees a retry of a message it already accepted can
recognise it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from domain.models import OutboxEvent
from domain.outbox import DeliveryError


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    security: str = "starttls"  # starttls | tls | none
    sender: str = "Hotel <no-reply@hotel.invalid>"
    timeout: float = 15.0
    # Verify the server's certificate (leave on in production; a loopback test server has none).
    validate_certs: bool = True

    def __post_init__(self) -> None:
        if self.security not in ("starttls", "tls", "none"):
            raise ValueError("SMTP_SECURITY must be starttls, tls or none")


class SmtpEmailAdapter:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def message(self, event: OutboxEvent) -> EmailMessage:
        payload = event.payload or {}
        if not payload.get("to"):
            raise DeliveryError("the e-mail has no recipient")
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = payload["to"]
        message["Subject"] = payload.get("subject") or ""
        message["Date"] = formatdate(localtime=False, usegmt=True)
        domain = self.settings.sender.rpartition("@")[2].rstrip(">") or "hotel.invalid"
        stamp = hashlib.sha256(f"{event.id}:{event.created_at.isoformat()}".encode()).hexdigest()
        message["Message-ID"] = f"<evt_{event.id}.{stamp[:16]}@{domain}>"
        message.set_content(payload.get("body") or "")
        return message

    async def send(self, event: OutboxEvent) -> None:
        settings = self.settings
        try:
            await aiosmtplib.send(
                self.message(event),
                hostname=settings.host,
                port=settings.port,
                username=settings.username,
                password=settings.password,
                use_tls=settings.security == "tls",
                start_tls=True if settings.security == "starttls" else False,
                validate_certs=settings.validate_certs,
                timeout=settings.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {type(exc).__name__}: {exc}") from exc
