"""Crisis group fields of the root types (P4.1.4)."""

from __future__ import annotations

import strawberry

from resolvers import crisis as crisis_resolvers
from schema.permissions import requires
from schema.types.crisis import CrisisGroup, CrisisGroupPayload
from schema.types.relay import Connection


@strawberry.type
class CrisisQuery:
    crisis_groups: Connection[CrisisGroup] = strawberry.field(
        resolver=crisis_resolvers.list_crisis_groups,
        extensions=[requires("crisis_group", "read")],
    )


@strawberry.type
class CrisisMutation:
    convene_crisis_group: CrisisGroupPayload = strawberry.mutation(
        resolver=crisis_resolvers.convene_crisis_group,
        extensions=[requires("crisis_group", "convene")],
    )
    dissolve_crisis_group: CrisisGroupPayload = strawberry.mutation(
        resolver=crisis_resolvers.dissolve_crisis_group,
        extensions=[requires("crisis_group", "dissolve")],
    )
