"""Fixtures of the risk tests: a signed SMS gateway on loopback (the outage notices of P6.2.1
leave through the outbox's SMS adapter, as a production deployment sends them), and the
archive the internal audit's report is written to."""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import outbox
from server.messaging import delivery_settings
from server.settings import Settings
from tests.conftest import fresh_archive, serving
from workers.delivery import build_adapters

SMS_SECRET = "risk-sms-gateway-secret"


class SmsGateway:
    """Accepts correctly signed texts and keeps them; refuses the rest."""

    def __init__(self) -> None:
        self.accepted: list[dict] = []
        self.refused = 0

    async def endpoint(self, request: Request) -> Response:
        body = (await request.body()).decode()
        if not outbox.verify_webhook(SMS_SECRET, request.headers, body):
            self.refused += 1
            return Response(status_code=401)
        self.accepted.append(json.loads(body))
        return Response(status_code=202)

    def dispatcher(self, tmp_path) -> outbox.OutboxDispatcher:
        settings = Settings(
            env="test",
            data_dir=tmp_path,
            secret_key="x",
            sms_gateway_url=self.url,
            sms_gateway_secret=SMS_SECRET,
        )
        return outbox.OutboxDispatcher(build_adapters(delivery_settings(settings)))


@pytest.fixture
async def sms_gateway():
    gateway = SmsGateway()
    app = Starlette(routes=[Route("/sms", gateway.endpoint, methods=["POST"])])
    async with serving(app) as address:
        gateway.url = f"http://{address}/sms"
        yield gateway


@pytest.fixture
def archive(tmp_path):
    with fresh_archive(tmp_path) as fresh:
        yield fresh
