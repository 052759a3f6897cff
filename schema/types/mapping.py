"""One typed mapping from an ORM row to a GraphQL type: every field the type declares is read
from the row's attribute of the same name, and only what differs (a renamed field, an enum, a
global id) is spelled out, so a new column shows up in one place instead of in a field copy."""

from __future__ import annotations

import dataclasses
from typing import TypeVar

T = TypeVar("T")


def from_row(cls: type[T], row: object, /, **differs: object) -> T:
    """An instance of the strawberry type `cls` made from `row`; `differs` gives the fields
    whose value is not the row's attribute of the same name."""
    values: dict[str, object] = {}
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        if field.name in differs:
            values[field.name] = differs[field.name]
        elif hasattr(row, field.name):
            values[field.name] = getattr(row, field.name)
    unknown = set(differs) - set(values)
    if unknown:
        raise TypeError(f"{cls.__name__} has no fields {sorted(unknown)}")
    return cls(**values)
