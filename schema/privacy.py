"""How much personal data a field shows this caller (P6.1.2): the permission matrix answers
whether the caller holds the kind's resource (`personal_data.masking.RESOURCE`), the domain's
rule turns that into full, masked or withheld. Types only call `shown()`."""

from __future__ import annotations

from typing import Any

import strawberry

from authz.enforcer import Access, enforcer
from authz.identity import Kind
from domain.personal_data import Disclosure, PersonalData, disclosure, reveal
from domain.personal_data.masking import RESOURCE


def _disclosure(context, data: PersonalData, own_record: bool) -> Disclosure:
    decision = context.access[RESOURCE[data]]
    return disclosure(
        data,
        granted=decision == Access.ALL,
        own=own_record and decision == Access.OWN,
        third_party=context.identity.kind == Kind.PARTNER,
    )


async def disclosure_of(
    info: strawberry.Info, data: PersonalData, *, own_record: bool = True
) -> Disclosure:
    """`own_record`: the record was reached through the caller's ownership filter, so a grant
    limited to own records (a guest's) applies; False for lists that are not filtered so."""
    context = info.context
    key = RESOURCE[data]
    if key not in context.access:
        context.access[key] = await enforcer.decide(context.identity, *key)
    return _disclosure(context, data, own_record)


async def shown(info: strawberry.Info, data: PersonalData, value: Any) -> Any:
    return reveal(data, value, await disclosure_of(info, data))


def shown_at_once(info: strawberry.Info, data: PersonalData, value: Any) -> Any:
    """`shown` as a value when the request already knows the caller's access to this kind of
    data (the usual case after the first row of a page), else as an awaitable; for the nested
    fields of list pages (`schema.loaders.at_once`)."""
    if RESOURCE[data] in info.context.access:
        return reveal(data, value, _disclosure(info.context, data, True))
    return shown(info, data, value)


async def disclosures(
    info: strawberry.Info, *, own_record: bool = True
) -> dict[PersonalData, Disclosure]:
    """The caller's disclosure of every kind of personal data."""
    return {data: await disclosure_of(info, data, own_record=own_record) for data in PersonalData}
