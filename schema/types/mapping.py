"""One typed mapping from an ORM row to a GraphQL type: every field the type declares is read
from the row's attribute of the same name, and only what differs (a renamed field, an enum, a
global id) is spelled out, so a new column shows up in one place instead of in a field copy."""

from __future__ import annotations

import dataclasses
import functools
from typing import TypeVar

T = TypeVar("T")


@functools.cache
def _init_fields(cls: type) -> tuple[str, ...]:
    """The names of the fields `cls` takes at construction, read once per type (a list of 50
    bookings used to walk `dataclasses.fields` 50 times)."""
    return tuple(field.name for field in dataclasses.fields(cls) if field.init)


def from_row(cls: type[T], row: object, /, **differs: object) -> T:
    """An instance of the strawberry type `cls` made from `row`; `differs` gives the fields
    whose value is not the row's attribute of the same name."""
    values: dict[str, object] = {}
    for name in _init_fields(cls):
        if name in differs:
            values[name] = differs[name]
        elif hasattr(row, name):
            values[name] = getattr(row, name)
    unknown = differs.keys() - values.keys() if differs else ()
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {sorted(unknown)}")
    return cls(**values)
