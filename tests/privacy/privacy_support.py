"""Helpers of the data-subject request tests: the documents a frontend sends, a guest signed
up through the API, and the search for a person's identifiers in every table and log file."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tortoise import Tortoise

from domain.models import OutboxEvent
from tests.conftest import PASSWORD

ERR = "errors { field code message }"
REQUEST_FIELDS = """id kind status channel dueAt overdue outcomeCode outcome documentId
  pendingOperationId corrections { field value } retained { documentId name reason }
  subject { id displayName } filedBy { id }"""
FILE = f"""mutation($input: DataSubjectRequestInput!) {{ dataSubjectRequest(input: $input) {{
  request {{ {REQUEST_FIELDS} }} downloadUrl downloadExpiresAt
  pendingOperation {{ id argumentsDigest status }} {ERR} }} }}"""
COMPLETE = f"""mutation($input: CompleteDataSubjectRequestInput!) {{
  completeDataSubjectRequest(input: $input) {{ request {{ {REQUEST_FIELDS} }} {ERR} }} }}"""
LIST = f"""query($first: Int, $after: String, $filter: DataSubjectRequestFilter) {{
  dataSubjectRequests(first: $first, after: $after, filter: $filter) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {REQUEST_FIELDS} }} }} }}"""
SIGN_UP = """mutation($input: SignUpInput!) { signUp(input: $input) { ok errors { code } } }"""
VERIFY = (
    """mutation($token: String!) { verifyEmail(input: {token: $token}) { ok errors { code } } }"""
)
LOGIN = """mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) { accessToken errors { code } } }"""

_CODE = re.compile(r": ([A-Za-z0-9_\-]{10,})")


async def file_request(gql, token: str, **given) -> dict:
    reply = await gql(FILE, {"input": given}, token=token)
    assert reply.status == 200 and not reply.errors, reply.body
    return reply.data["dataSubjectRequest"]


async def sign_up_guest(gql, *, name: str, email: str, phone: str) -> str:
    """A guest account made through sign-up and e-mail verification; returns an access token."""
    version = (await gql("{ privacyNotice { version } }")).data["privacyNotice"]["version"]
    reply = await gql(
        SIGN_UP,
        {
            "input": {
                "email": email,
                "password": PASSWORD,
                "fullName": name,
                "phone": phone,
                "acceptedPrivacyNoticeVersion": version,
            }
        },
    )
    assert reply.data["signUp"]["ok"], reply.body
    [mail] = [
        e
        for e in await OutboxEvent.filter(topic="account.verify_email")
        if e.payload["to"] == email
    ]
    token = _CODE.search(mail.payload["body"]).group(1)
    assert (await gql(VERIFY, {"token": token})).data["verifyEmail"]["ok"]
    login = await gql(LOGIN, {"email": email, "password": PASSWORD})
    return login.data["login"]["accessToken"]


# ---- the search of the acceptance check ---------------------------------------------------


def _found(text: str, needles: list[str]) -> list[str]:
    lowered = text.lower()
    return [n for n in needles if n.lower() in lowered]


async def traces_in_tables(needles: list[str]) -> list[str]:
    """Every place a needle remains in the database: each table Tortoise knows (so new tables
    are searched without a change here), every column as stored (raw) and every text or JSON
    field as the model reads it (decrypted where encrypted)."""
    connection = Tortoise.get_connection("default")
    found = []
    for model in Tortoise.apps["models"].values():
        table = model._meta.db_table
        _, rows = await connection.execute_query(f'SELECT * FROM "{table}"')
        for row in rows:
            for column, value in dict(row).items():
                if value is not None and (hit := _found(str(value), needles)):
                    found.append(f"{table}.{column} raw: {hit}")
        for instance in await model.all():
            for name in model._meta.fields_db_projection:
                value = getattr(instance, name)
                if value is None:
                    continue
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                if hit := _found(text, needles):
                    found.append(f"{table}.{name} read: {hit}")
    return found


def traces_in_logs(data_dir: Path, needles: list[str]) -> list[str]:
    found = []
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and (path.suffix == ".log" or ".log" in path.name):
            text = path.read_text(encoding="utf-8", errors="replace")
            if hit := _found(text, needles):
                found.append(f"{path}: {hit}")
    return found
