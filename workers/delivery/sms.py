"""Text messages through an HTTP SMS gateway (P3.1.3 vouchers, P6.2.1 outage notices).

The request format (README, "Production"): `POST SMS_GATEWAY_URL` with the JSON body
`{"id": "evt_<n>", "to": "<E.164 number>", "text": "<message>", "ref": "<our reference>"}`,
signed like the PMS webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), plus
`Authorization: Bearer <SMS_GATEWAY_API_KEY>` when a key is set. `id` is stable across retries so
the gateway can drop a duplicate; a 2xx answer means accepted."""

from __future__ import annotations

import httpx

from domain.models import OutboxEvent
from workers.delivery.webhooks import WebhookAdapter


class SmsGatewayAdapter(WebhookAdapter):
    def __init__(
        self,
        url: str,
        secret: str | bytes,
        *,
        api_key: str | None = None,
        client: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        headers = {"authorization": f"Bearer {api_key}"} if api_key else None
        super().__init__(url, secret, client=client, timeout=timeout, extra_headers=headers)

    def body(self, event: OutboxEvent) -> dict:
        payload = event.payload or {}
        text = payload.get("body") or payload.get("subject") or ""
        return {
            "id": f"evt_{event.id}",
            "to": payload.get("to"),
            "text": text,
            "ref": payload.get("ref"),
        }
