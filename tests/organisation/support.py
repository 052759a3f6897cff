"""Shared steps of the organisation tests: the structure, hiring through the API and a small
booking department (director, a supervisor per group, staff)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from strawberry import relay

from domain.clock import clock

HIRE = """mutation($input: HireEmployeeInput!) { hireEmployee(input: $input) {
  employee { id department group active hiredOn learningEndsOn inLearningPeriod
             position { code level roles } person { email } supervisor { email }
             hiringCriteria { yearsOfExperience qualifications interviewNotes } }
  pendingOperation { id operation argumentsDigest summary requiredPermissions }
  errors { field code message } } }"""

LONG_AGO = dt.date(2023, 1, 9)


def staff_gid(person) -> str:
    return relay.to_base64("StaffAccount", person.account.id)


def gid(type_name: str, pk) -> str:
    return relay.to_base64(type_name, pk)


async def hire(gql, hr, who, department, position, *, supervisor=None, **changes) -> dict:
    values = {
        "accountId": staff_gid(who),
        "department": department,
        "position": position,
        "hiredOn": LONG_AGO.isoformat(),
        "yearsOfExperience": 3,
        "qualifications": "English certificate (CET-6)",
        "interviewNotes": "Calm on the phone, knows the PMS.",
    }
    if supervisor is not None:
        values["supervisorId"] = supervisor
    values.update(changes)
    reply = await gql(HIRE, {"input": values}, token=hr.token)
    assert reply.errors == [], reply.body
    return reply.data["hireEmployee"]


async def hired(gql, hr, who, department, position, **kwargs) -> str:
    answer = await hire(gql, hr, who, department, position, **kwargs)
    assert answer["errors"] == [], answer
    return answer["employee"]["id"]


@dataclass
class Team:
    hr: object
    director: object
    sales_supervisor: object
    cs_supervisor: object
    agent: object
    director_id: str
    sales_supervisor_id: str
    cs_supervisor_id: str
    agent_id: str


async def team(gql, person) -> Team:
    """A booking department: the director, the supervisors of both groups and one booking
    specialist hired three years ago, by an HR member."""
    hr = await person("hr")
    director = await person("director")
    sales, cs = await person("supervisor"), await person("supervisor")
    agent = await person("booking_agent")
    director_id = await hired(gql, hr, director, "BOOKING_CRM", "DIRECTOR")
    sales_id = await hired(
        gql, hr, sales, "BOOKING_CRM", "SUPERVISOR", group="SALES_OPERATIONS",
        supervisor=director_id,
    )
    cs_id = await hired(
        gql, hr, cs, "BOOKING_CRM", "SUPERVISOR", group="CUSTOMER_SERVICE",
        supervisor=director_id,
    )
    agent_id = await hired(gql, hr, agent, "BOOKING_CRM", "BOOKING_SPECIALIST", supervisor=sales_id)
    return Team(hr, director, sales, cs, agent, director_id, sales_id, cs_id, agent_id)


def today() -> dt.date:
    return clock.today()
