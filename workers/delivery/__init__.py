"""Delivery adapters for the outbox (P3.1.3 vouchers and PMS sync, P7.1.1 notices): how an
outbox row leaves the system. The domain keeps the rows, the retry rule and the webhook signing
rule (`domain.outbox`); the HTTP, SMTP and file transports live here, outside `domain/`.

`build_adapters()` picks one adapter per destination from plain arguments (the server passes its
settings): SMTP for e-mail and the HTTP SMS gateway when they are configured, signed webhooks for
the PMS when its URL is set, and the development log files under `outbox/` otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx

from domain.outbox import EMAIL, PMS_WEBHOOK, SMS, ChannelAdapter
from workers.delivery.files import FileChannelAdapter
from workers.delivery.sms import SmsGatewayAdapter
from workers.delivery.smtp import SmtpEmailAdapter, SmtpSettings
from workers.delivery.webhooks import WebhookAdapter

__all__ = [
    "DeliverySettings",
    "FileChannelAdapter",
    "SmsGatewayAdapter",
    "SmtpEmailAdapter",
    "SmtpSettings",
    "WebhookAdapter",
    "build_adapters",
]


@dataclass(frozen=True)
class DeliverySettings:
    log_dir: Path
    pms_url: str | None = None
    pms_secret: str | bytes | None = None
    smtp: SmtpSettings | None = None
    sms_url: str | None = None
    sms_secret: str | bytes | None = None
    sms_api_key: str | None = None


def build_adapters(
    settings: DeliverySettings, *, http_client: httpx.AsyncClient | None = None
) -> dict[str, ChannelAdapter]:
    files = settings.log_dir
    adapters: dict[str, ChannelAdapter] = {
        EMAIL: FileChannelAdapter(files, "email"),
        SMS: FileChannelAdapter(files, "sms"),
        PMS_WEBHOOK: FileChannelAdapter(files, "pms"),
    }
    if settings.smtp:
        adapters[EMAIL] = SmtpEmailAdapter(settings.smtp)
    if settings.sms_url:
        if not settings.sms_secret:
            raise ValueError("an SMS gateway needs a signing secret")
        adapters[SMS] = SmsGatewayAdapter(
            settings.sms_url, settings.sms_secret, api_key=settings.sms_api_key, client=http_client
        )
    if settings.pms_url:
        if not settings.pms_secret:
            raise ValueError("a PMS webhook needs a signing secret")
        adapters[PMS_WEBHOOK] = WebhookAdapter(
            settings.pms_url, settings.pms_secret, client=http_client
        )
    return adapters


def default_adapters(
    log_dir: str | Path,
    *,
    pms_url: str | None = None,
    pms_secret: str | bytes | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> dict[str, ChannelAdapter]:
    """The embedded default: e-mail and SMS to log files, the PMS to its webhook if set."""
    return build_adapters(
        DeliverySettings(Path(log_dir), pms_url=pms_url, pms_secret=pms_secret),
        http_client=http_client,
    )
