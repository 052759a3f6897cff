"""Which resolver fetches each Node type for `node(id:)`, and which permission-matrix resource
guards it. Each area registers its fetchers here (`@register("Booking", "booking")`); the
schema's `node` field looks them up, so the registry points from schema to resolvers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry

from authz.enforcer import Access


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


def source_of(type_name: str) -> NodeSource | None:
    return _SOURCES.get(type_name)
