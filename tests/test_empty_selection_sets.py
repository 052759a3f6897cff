"""A selection set with no field is refused as the syntax error it is (graphql-core 3.3 parses
it, and the depth limiter then broke on it and answered with its own exception text)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "document",
    [
        "{ roomTypes { } }",
        "{ me { ... on Viewer { } } }",
        "query { ...F } fragment F on Query { }",
        "{ }",
    ],
)
async def test_an_empty_selection_set_is_a_syntax_error(gql, document):
    reply = await gql(document)
    assert reply.status == 400
    assert reply.error_codes == ["GRAPHQL_PARSE_FAILED"]
    assert "max()" not in reply.body
