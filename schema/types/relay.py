"""Relay plumbing: global IDs, connections with `totalCount`, and the page-size cap that every
connection obeys. Pages are keyset pages on the primary key (newest first), so deep pages cost
the same as the first; the matches are counted only when `totalCount` is selected."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import strawberry
from strawberry import relay

from schema.types.errors import bad_request

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
# Primary keys are 64-bit signed on SQLite and PostgreSQL: a larger number in an id would be
# a database error, not a missing row.
MAX_KEY = 2**63
MAX_PAGE_SIZE = 100


def configure(max_page_size: int) -> None:
    global MAX_PAGE_SIZE
    MAX_PAGE_SIZE = max_page_size


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field
    async def total_count(self) -> int:
        # Counting every match is a query of its own: run it only when the client asks.
        return await self.count()

    @strawberry.field
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"cursor:{pk}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, value = base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)
        if kind != "cursor":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("The `after` cursor is not valid.") from None


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise bad_request(f"`first` must be between 0 and {MAX_PAGE_SIZE}.")
    return first


def connection(
    rows: list,
    *,
    has_next: bool,
    count: Callable[[], Awaitable[int]],
    after: str | None,
    to_node: Callable,
) -> Connection:
    """A page of rows (newest first, already cut to size) as a Relay connection; `count` counts
    every match, awaited only if the selection asks for `totalCount`."""
    edges = [Edge(cursor=encode_cursor(row.id), node=to_node(row)) for row in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=count,
    )


async def paginate(queryset, first: int | None, after: str | None, to_node: Callable) -> Connection:
    """Page a Tortoise queryset newest-first. `to_node` maps a model row to its GraphQL type."""
    size = page_size(first)
    page_query = queryset
    if after:
        page_query = page_query.filter(id__lt=decode_cursor(after))
    rows = await page_query.order_by("-id").limit(size + 1)
    return connection(
        rows[:size], has_next=len(rows) > size, count=queryset.count, after=after, to_node=to_node
    )


async def paged(
    first: int | None,
    after: str | None,
    fetch: Callable[[int, int | None], Awaitable[tuple[list, bool, Callable]]],
    to_node: Callable,
) -> Connection:
    """A page from a domain reader `fetch(first, after_id) -> (rows, has_next, count)` (keyset
    paged by id in the domain), as a Relay connection."""
    size = page_size(first)
    rows, has_next, count = await fetch(max(size, 1), decode_cursor(after) if after else None)
    return connection(
        rows[:size],
        has_next=has_next or len(rows) > size,
        count=count,
        after=after,
        to_node=to_node,
    )


def global_id(type_name: str, pk: int) -> relay.GlobalID:
    return relay.GlobalID(type_name, str(pk))


def parse_global_id(
    value: relay.GlobalID | str, expected_type: str | None = None, field: str = "id"
) -> int:
    """Database id of a global ID; raise a DomainError-shaped payload problem when malformed."""
    from domain.errors import DomainError, ErrorCode

    try:
        gid = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(value)
        if expected_type and gid.type_name != expected_type:
            raise ValueError
        pk = int(gid.node_id)
        if not 0 < pk < MAX_KEY:
            raise ValueError
        return pk
    except Exception:
        raise DomainError(
            ErrorCode.INVALID, f"Not a valid {expected_type or 'object'} id.", field
        ) from None
