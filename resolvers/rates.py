"""Setting the rate calendar (P3.1.1): prices for a range of nights, which also puts them on
sale in the inventory calendar."""

from __future__ import annotations

import strawberry

from domain import inventory
from resolvers.support import run_audited
from schema.types.rates import SetNightlyRatesInput, SetNightlyRatesPayload
from schema.types.relay import parse_global_id
from schema.types.rooms import (
    RoomType,
)


async def set_nightly_rates(
    info: strawberry.Info, input: SetNightlyRatesInput
) -> SetNightlyRatesPayload:
    async def work():
        room_type_id = parse_global_id(input.room_type_id, "RoomType", "roomTypeId")
        nights = await inventory.set_nightly_rates(
            info.context.actor, room_type_id, input.from_date, input.until_date, input.amount
        )
        return nights, await inventory.get_room_type(room_type_id)

    done, errors = await run_audited(
        info, "setNightlyRates", "RoomType", work, subject_id=str(input.room_type_id)
    )
    if errors:
        return SetNightlyRatesPayload(errors=errors)
    nights, room_type = done
    return SetNightlyRatesPayload(room_type=RoomType.of(room_type), nights_priced=nights)
