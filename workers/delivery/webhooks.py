"""Signed HTTP deliveries (Standard Webhooks): the PMS feed (P3.1.3), and the base of the SMS
gateway adapter. The signature rule itself is the domain's (`domain.outbox.webhook_headers`)."""

from __future__ import annotations

import json

import httpx

from domain.clock import clock
from domain.models import OutboxEvent
from domain.outbox import DeliveryError, decode_secret, envelope, webhook_headers


class WebhookAdapter:
    """POSTs the event envelope to `url`, signed over `id.timestamp.body`; any answer but 2xx
    (or no answer) is a failed attempt that the dispatcher retries."""

    def __init__(
        self,
        url: str,
        secret: str | bytes,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.secret = decode_secret(secret)
        self._client = client
        self._timeout = timeout
        self._extra_headers = dict(extra_headers or {})

    def body(self, event: OutboxEvent) -> dict:
        return envelope(event)

    async def send(self, event: OutboxEvent) -> None:
        body = json.dumps(
            self.body(event), ensure_ascii=False, sort_keys=True, separators=(",", ":")
        )
        headers = {
            **self._extra_headers,
            **webhook_headers(self.secret, f"evt_{event.id}", int(clock.now().timestamp()), body),
        }
        try:
            if self._client is not None:
                response = await self._client.post(
                    self.url, content=body.encode(), headers=headers, timeout=self._timeout
                )
            else:
                async with httpx.AsyncClient(timeout=self._timeout) as client:
                    response = await client.post(self.url, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}")
