"""Builds the outbox dispatcher from settings at start (an `EXTRA_CONFIGURE` hook): e-mail over
SMTP, text messages through the HTTP SMS gateway, and the PMS feed as signed webhooks (P3.1.3),
each when configured; what is not configured writes to a log file under `DATA_DIR/outbox/` (the
embedded default). The booking voucher secret is derived here from `SECRET_KEY` as well."""

from __future__ import annotations

from domain import outbox
from domain.bookings import vouchers
from server.settings import Settings
from workers import jobs
from workers.delivery import DeliverySettings, SmtpSettings, build_adapters


def delivery_settings(settings: Settings) -> DeliverySettings:
    for url, secret, name in (
        (settings.pms_webhook_url, settings.pms_webhook_secret, "PMS_WEBHOOK"),
        (settings.sms_gateway_url, settings.sms_gateway_secret, "SMS_GATEWAY"),
    ):
        if url and not secret:
            raise RuntimeError(f"{name}_SECRET must be set with {name}_URL")
    smtp = None
    if settings.smtp_host:
        smtp = SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            security=settings.smtp_security,
            sender=settings.smtp_from,
            validate_certs=settings.smtp_validate_certs,
        )
    return DeliverySettings(
        log_dir=settings.data_dir / "outbox",
        pms_url=settings.pms_webhook_url,
        pms_secret=settings.pms_webhook_secret,
        smtp=smtp,
        sms_url=settings.sms_gateway_url,
        sms_secret=settings.sms_gateway_secret,
        sms_api_key=settings.sms_gateway_api_key,
    )


def configure_messaging(settings: Settings) -> None:
    vouchers.configure(secret=settings.resolved_secret_key())
    delivery = delivery_settings(settings)
    delivery.log_dir.mkdir(parents=True, exist_ok=True)
    jobs.use_dispatcher(outbox.OutboxDispatcher(build_adapters(delivery)))
