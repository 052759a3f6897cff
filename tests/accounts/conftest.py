"""Helpers of the guest-account tests: the messages the outbox holds, and the codes in them."""

from __future__ import annotations

import re

import pytest

from domain.models import OutboxEvent

SIGN_UP = """
mutation($input: SignUpInput!) { signUp(input: $input) { ok errors { field message code } } }"""
VERIFY = """
mutation($token: String!) { verifyEmail(input: {token: $token}) {
  ok viewer { id kind displayName } errors { field message code } } }"""
LOGIN = """
mutation($email: String!, $password: String!) { login(input: {email: $email, password: $password}) {
  accessToken refreshToken errors { field code } } }"""
REFRESH = """
mutation($t: String!) { refreshToken(input: {refreshToken: $t}) {
  accessToken refreshToken errors { code } } }"""
NOTICE = "{ privacyNotice { version summary fullText } }"
NEW_PASSWORD = "a-new-long-secret-2026"

_CODE = re.compile(r": ([A-Za-z0-9_\-]{10,})")


async def messages(topic: str) -> list[OutboxEvent]:
    return await OutboxEvent.filter(topic=topic).order_by("id")


def code_in(event: OutboxEvent) -> str:
    found = _CODE.search(event.payload["body"])
    assert found, event.payload["body"]
    return found.group(1)


@pytest.fixture
def sign_up(gql):
    """`await sign_up(email=...)` -> the signUp payload (the current notice accepted)."""

    async def make(**given) -> dict:
        version = (await gql(NOTICE)).data["privacyNotice"]["version"]
        request = {
            "email": "mei.chen@example.com",
            "password": "a-long-enough-secret",
            "fullName": "Chen Mei",
            "phone": "+86 139 0000 1111",
            "acceptedPrivacyNoticeVersion": version,
            **given,
        }
        reply = await gql(SIGN_UP, {"input": request})
        assert reply.status == 200 and not reply.errors, reply.body
        return reply.data["signUp"]

    return make
