"""Vouchers reach the guest over real transports (P3.1.3): e-mail through an SMTP server with
STARTTLS and authentication, text messages through a signed HTTP SMS gateway, both started on
loopback by the test, through the outbox with its retries and redelivery."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import ssl
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from booking_support import book
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import outbox
from domain.clock import clock
from domain.models import OutboxEvent
from server.messaging import delivery_settings
from server.settings import Settings
from tests.conftest import free_port, serving
from workers.delivery import build_adapters

SMS_SECRET = "sms-gateway-secret-for-tests"
SMS_KEY = "sms-api-key"


def self_signed_context(tmp_path) -> ssl.SSLContext:
    """A server TLS context with a throwaway certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


class Mailbox:
    """An SMTP server's message handler: keeps what it accepted, can refuse for a while."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refusals_left = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refusals_left:
            self.refusals_left -= 1
            return "451 Try again later"
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login,
        auth_data.password,
    ) == (b"hotel", b"smtp-pass")
    return AuthResult(success=ok)


@pytest.fixture
def smtp_server(tmp_path):
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=self_signed_context(tmp_path),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    mailbox.port = port
    yield mailbox
    controller.stop()


class SmsGateway:
    def __init__(self) -> None:
        self.accepted: list[dict] = []
        self.refused: list[str] = []

    async def endpoint(self, request: Request) -> Response:
        body = (await request.body()).decode()
        if request.headers.get("authorization") != f"Bearer {SMS_KEY}":
            self.refused.append("key")
            return Response(status_code=401)
        if not outbox.verify_webhook(SMS_SECRET, request.headers, body):
            self.refused.append("signature")
            return Response(status_code=401)
        self.accepted.append({**json.loads(body), "webhook-id": request.headers["webhook-id"]})
        return Response(status_code=202)


@pytest.fixture
async def sms_gateway():
    gateway = SmsGateway()
    app = Starlette(routes=[Route("/sms", gateway.endpoint, methods=["POST"])])
    async with serving(app) as address:
        gateway.url = f"http://{address}/sms"
        yield gateway


def production_dispatcher(tmp_path, smtp_port: int, sms_url: str) -> outbox.OutboxDispatcher:
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        secret_key="x",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_username="hotel",
        smtp_password="smtp-pass",
        smtp_security="starttls",
        smtp_from="Grand Hotel <reservations@grand.hotel>",
        smtp_validate_certs=False,
        sms_gateway_url=sms_url,
        sms_gateway_secret=SMS_SECRET,
        sms_gateway_api_key=SMS_KEY,
    )
    return outbox.OutboxDispatcher(build_adapters(delivery_settings(settings)))


@pytest.mark.policy("P3.1.3")
async def test_voucher_goes_out_by_smtp_and_sms_gateway_once(
    gql, hotel, staff, smtp_server, sms_gateway, tmp_path
):
    agent = await staff("booking_agent")
    booking = await book(gql, agent.token, hotel.std)
    dispatcher = production_dispatcher(tmp_path, smtp_server.port, sms_gateway.url)
    # Two dispatchers at once, then again: each message leaves exactly once.
    await asyncio.gather(dispatcher.run_once(), dispatcher.run_once())
    await dispatcher.run_once()

    [mail] = smtp_server.messages
    assert mail["To"] == booking_email(booking)
    assert mail["From"] == "Grand Hotel <reservations@grand.hotel>"
    assert booking["number"] in mail["Subject"] + mail.get_payload()
    assert booking["voucher"]["code"] in mail.get_payload()
    [text] = sms_gateway.accepted
    assert text["to"] and text["ref"] == booking["number"] and text["text"]
    assert text["id"] == text["webhook-id"]  # stable across retries: the gateway de-duplicates
    assert sms_gateway.refused == []
    sent = await OutboxEvent.filter(destination__in=[outbox.EMAIL, outbox.SMS])
    assert {e.status for e in sent} == {"DELIVERED"}
    assert not (tmp_path / "outbox" / "email.log").exists()


@pytest.mark.policy("P3.1.3")
async def test_smtp_refusal_is_retried_then_delivered(gql, hotel, staff, smtp_server, tmp_path):
    agent = await staff("booking_agent")
    await book(gql, agent.token, hotel.std)
    smtp_server.refusals_left = 1
    dispatcher = production_dispatcher(tmp_path, smtp_server.port, "http://127.0.0.1:9/sms")
    await dispatcher.run_once()
    email = await OutboxEvent.get(destination=outbox.EMAIL)
    assert email.status == "PENDING" and email.attempts == 1 and "451" in email.last_error
    assert smtp_server.messages == []
    clock.advance(dt.timedelta(minutes=1))
    await dispatcher.run_once()
    await email.refresh_from_db()
    assert email.status == "DELIVERED" and len(smtp_server.messages) == 1


async def test_wrong_smtp_password_is_a_failed_attempt(gql, hotel, staff, smtp_server, tmp_path):
    agent = await staff("booking_agent")
    await book(gql, agent.token, hotel.std)
    settings = delivery_settings(
        Settings(env="test", data_dir=tmp_path, secret_key="x", smtp_host="127.0.0.1",
                 smtp_port=smtp_server.port, smtp_username="hotel", smtp_password="wrong",
                 smtp_validate_certs=False)
    )
    await outbox.OutboxDispatcher(build_adapters(settings)).run_once()
    email = await OutboxEvent.get(destination=outbox.EMAIL)
    assert email.status == "PENDING" and "SMTP" in email.last_error
    assert smtp_server.messages == []


def test_a_gateway_without_its_secret_is_refused_at_start(tmp_path):
    with pytest.raises(RuntimeError, match="SMS_GATEWAY_SECRET"):
        delivery_settings(
            Settings(env="test", data_dir=tmp_path, sms_gateway_url="http://127.0.0.1:9/sms")
        )


def booking_email(booking: dict) -> str:
    return booking["guest"]["email"]
