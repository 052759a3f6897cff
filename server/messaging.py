"""Builds the outbox dispatcher from settings at start (an `EXTRA_CONFIGURE` hook): e-mail and
SMS deliveries and the PMS feed (P3.1.3). Without `PMS_WEBHOOK_URL` every channel writes to a
log file under `DATA_DIR/outbox/` (the embedded default); with it, the PMS receives signed
webhooks. The booking voucher secret is derived here from `SECRET_KEY` as well."""

from __future__ import annotations

from domain import outbox
from domain.bookings import vouchers
from server.settings import Settings
from workers import jobs


def configure_messaging(settings: Settings) -> None:
    if settings.is_production and settings.pms_webhook_url and not settings.pms_webhook_secret:
        raise RuntimeError("PMS_WEBHOOK_SECRET must be set with PMS_WEBHOOK_URL")
    vouchers.configure(secret=settings.resolved_secret_key())
    log_dir = settings.data_dir / "outbox"
    log_dir.mkdir(parents=True, exist_ok=True)
    adapters = outbox.default_adapters(
        log_dir, pms_url=settings.pms_webhook_url, pms_secret=settings.pms_webhook_secret
    )
    jobs.use_dispatcher(outbox.OutboxDispatcher(adapters))
