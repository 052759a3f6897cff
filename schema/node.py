"""`node(id:)`: fetch any object by its global ID, through the same access rules as its list
(a guest gets only their own, a partner only what it created). An id that is not one of
ours (not base64, no type, a key that is not a number) is BAD_REQUEST; one that could be ours
but names nothing is `null`, as Relay expects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry import relay

from authz.enforcer import Access, enforcer
from schema.errors import bad_request
from schema.relay import MAX_KEY


@dataclass(frozen=True)
class NodeSource:
    resource: str
    # (info, pk, access) -> GraphQL object or None; OWN access must filter to the caller's own.
    fetch: Callable[[strawberry.Info, int, Access], Awaitable[Any]]


_SOURCES: dict[str, NodeSource] = {}


def register(type_name: str, resource: str):
    def decorate(fetch):
        _SOURCES[type_name] = NodeSource(resource, fetch)
        return fetch

    return decorate


async def resolve_node(info: strawberry.Info, id: relay.GlobalID) -> relay.Node | None:
    source = _SOURCES.get(id.type_name)
    if source is None:
        return None
    try:
        pk = int(id.node_id)
    except ValueError:
        raise bad_request("Not a valid id.") from None
    if not 0 < pk < MAX_KEY:  # well-formed but never issued: not found, not a database error
        return None
    access = await enforcer.decide(info.context.identity, source.resource, "read")
    if access is None:
        return None
    return await source.fetch(info, pk, access)
