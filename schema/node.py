"""`node(id:)`: fetch any object by its global ID, through the same access rules as its list
(a guest gets only their own, a partner only what it created). An id that is not one of
ours (not base64, no type, a key that is not a number) is BAD_REQUEST; one that could be ours
but names nothing is `null`, as Relay expects."""

from __future__ import annotations

import strawberry
from strawberry import relay

from authz.enforcer import enforcer
from resolvers import nodes
from schema.types.errors import bad_request
from schema.types.relay import MAX_KEY


async def resolve_node(info: strawberry.Info, id: relay.GlobalID) -> relay.Node | None:
    source = nodes.source_of(id.type_name)
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
