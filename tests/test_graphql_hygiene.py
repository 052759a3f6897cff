"""GraphQL hygiene: limits, page-size caps, GET mutations, malformed input, error masking, and
production hardening. Each bad request gets a clear error with a code, never a 500."""

from __future__ import annotations

import json

import pytest
import strawberry

from schema import build_schema
from schema.context import RequestContext
from schema.extensions import build_extensions
from server.app import create_app
from server.settings import Settings


async def test_malformed_json_is_a_400_with_a_code(http):
    reply = await http.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert reply.status_code == 400
    assert reply.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_unknown_field_and_wrong_argument_type_are_validation_errors(gql, person):
    staff = await person("auditor")
    unknown = await gql("{ me { shoeSize } }", token=staff.token)
    assert unknown.status in (200, 400) and unknown.errors
    assert "Traceback" not in json.dumps(unknown.body)
    wrong = await gql('{ auditLog(first: "ten") { totalCount } }', token=staff.token)
    assert wrong.errors and wrong.data is None


async def test_mutations_over_get_are_refused(http):
    reply = await http.get(
        "/graphql",
        params={
            "query": 'mutation { login(input: {email: "a@b.c", password: "x"}) { accessToken } }'
        },
        headers={"accept": "application/json"},
    )
    assert reply.status_code == 405
    assert reply.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


@strawberry.type
class Russian:
    @strawberry.field
    def doll(self) -> Russian:
        return Russian()

    size: int = 1


async def test_depth_limit():
    schema = strawberry.Schema(
        query=Russian,
        extensions=build_extensions(
            production=False, max_depth=12, max_aliases=30, max_tokens=4000
        ),
    )
    shallow = "{ " + "doll { " * 11 + "size" + " }" * 11 + " }"
    assert (await schema.execute(shallow)).errors is None
    deep = "{ " + "doll { " * 13 + "size" + " }" * 13 + " }"
    result = await schema.execute(deep)
    assert "exceeds maximum operation depth" in result.errors[0].message


async def test_alias_limit(gql, person):
    staff = await person("auditor")
    aliases = " ".join(f"a{i}: me {{ kind }}" for i in range(31))
    reply = await gql("{ " + aliases + " }", token=staff.token)
    assert reply.errors and "aliases" in reply.errors[0]["message"]


async def test_token_limit(gql):
    query = "{ " + " ".join(["__typename"] * 2500) + " }"
    reply = await gql(query)
    assert reply.status == 400 and reply.error_codes == ["QUERY_TOO_COMPLEX"]
    assert "token" in reply.errors[0]["message"].lower()


async def test_page_size_is_capped(gql, person):
    staff = await person("auditor")
    reply = await gql("{ auditLog(first: 1000) { totalCount } }", token=staff.token)
    assert reply.error_codes == ["BAD_REQUEST"]
    bad_cursor = await gql('{ auditLog(after: "garbage") { totalCount } }', token=staff.token)
    assert bad_cursor.error_codes == ["BAD_REQUEST"]


async def test_pagination_walks_every_entry_once(gql, person):
    from domain import audit
    from domain.actor import SYSTEM

    staff = await person("auditor")
    for i in range(7):
        await audit.append_alone(SYSTEM, "test.entry", subject_id=i)
    seen, after = [], None
    while True:
        reply = await gql(
            "query($a: String) { auditLog(first: 3, after: $a) { totalCount "
            "pageInfo { hasNextPage endCursor } edges { node { subjectId } } } }",
            {"a": after},
            token=staff.token,
        )
        page = reply.data["auditLog"]
        seen += [e["node"]["subjectId"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen, key=int) == [str(i) for i in range(7)]
    assert page["totalCount"] == 7


async def test_unexpected_exceptions_are_masked_with_a_request_id():
    @strawberry.type
    class Query:
        @strawberry.field
        def boom(self) -> int:
            raise RuntimeError("secret database detail")

    schema = strawberry.Schema(
        query=Query,
        extensions=build_extensions(production=True, max_depth=5, max_aliases=5, max_tokens=100),
    )
    result = await schema.execute("{ boom }", context_value=RequestContext(request_id="req-42"))
    error = result.errors[0]
    assert error.extensions == {"code": "INTERNAL_ERROR", "requestId": "req-42"}
    assert "secret" not in error.message and "req-42" in error.message


async def test_production_disables_introspection_suggestions_and_graphiql(runtime, settings):
    import httpx

    production = Settings(**{**settings.model_dump(), "env": "production"})
    app = create_app(production, manage_runtime=False)
    app.state.holder["runtime"] = runtime
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hotel.test") as client:
        intro = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert intro.json()["errors"]
        typo = await client.post("/graphql", json={"query": "{ mee { kind } }"})
        assert "Did you mean" not in json.dumps(typo.json())
        ide = await client.get("/graphql", headers={"accept": "text/html"})
        assert ide.status_code != 200 or "graphiql" not in ide.text.lower()


async def test_development_schema_suggests_fields():
    result = await build_schema().execute("{ mee { kind } }")
    assert "Did you mean" in result.errors[0].message


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
async def test_health_endpoints(http, path):
    reply = await http.get(path)
    assert reply.status_code == 200


async def test_oversize_bodies_are_refused_with_413(http, settings):
    huge = '{"query": "{ __typename }", "pad": "' + "x" * (settings.max_request_bytes + 10) + '"}'
    reply = await http.post("/graphql", content=huge.encode(),
                            headers={"content-type": "application/json"})
    assert reply.status_code == 413
    assert reply.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_oversize_bodies_without_length_are_refused_too(http, settings):
    async def chunks():
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(settings.max_request_bytes // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    reply = await http.post("/graphql", content=chunks(),
                            headers={"content-type": "application/json"})
    assert reply.status_code == 413
