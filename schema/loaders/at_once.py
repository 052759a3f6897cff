"""Nested fields of list pages that resolve without a task when their data is already loaded.

graphql-core completes an object synchronously only when none of its fields returns an
awaitable. An `async def` resolver always returns one, and the executor then gathers every
item of the list in tasks of its own: a page of 50 bookings with room type, guest and member
cost some 200 tasks, more CPU than the queries (issue 12, nested `bookings(first: 50)`). The
hot nested fields are therefore plain functions built on `load`, which hands back the loaded
value itself when the request's dataloader already holds it, and an awaitable otherwise; the
page's resolver primes the loaders its selection needs first (`prime`), so the page completes
in one synchronous pass. Behaviour is the same either way: this only decides when to wait."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

R = TypeVar("R")


def then_load(loader: DataLoader, key: Any, build: Callable[[Any], R]) -> R | Awaitable[R]:
    """`build(value)` at once when the loader already holds the value of `key`, else an
    awaitable of it. (The value itself is not tested for being awaitable: ORM rows are.)"""
    future = loader.cache_map.get(key) if loader.cache else None
    if future is not None and future.done() and not future.cancelled():
        if future.exception() is None:
            return build(future.result())

    async def later() -> R:
        return build(await loader.load(key))

    return later()


async def prime(*loads: tuple[DataLoader, Iterable[Any]]) -> None:
    """Load these keys into their loaders together (one batch, so one query, per loader)."""
    batches = [loader.load_many(list(dict.fromkeys(keys))) for loader, keys in loads]
    if batches:
        await asyncio.gather(*batches)


def _fields(selections: Iterable[Any]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def selected_under(info: strawberry.Info, *paths: tuple[str, ...]) -> set[str]:
    """Names of the fields selected at any of these paths below the current field, fragments
    included, e.g. `selected_under(info, ("edges", "node"), ("nodes",))` for a connection."""
    found: set[str] = set()
    for path in paths:
        level = [f for root in info.selected_fields for f in _fields(root.selections)]
        for name in path:
            level = [f for field in level if field.name == name for f in _fields(field.selections)]
        found.update(field.name for field in level)
    return found
