"""The monthly anonymous staff questionnaire (P8.1): one answer per staff member per survey, and
nothing stored links an answer to the person who gave it.

How the answer and its author are kept apart:

- **Ballots and answers live in different tables that share only the survey.** Answering
  writes a `SurveyBallot` row (survey, account) that says only "this person has used their
  ballot": no time, no answer, no reference to a response. Its unique (survey, account) pair
  is what makes a second answer impossible (`DUPLICATE`), even for two answers sent at once.
- **Answers wait in a pool, at random places.** The answer itself goes into the survey's
  one `SurveyResponsePool` row, inserted at a random position of its list, with no id, no
  time, no request id. Row order, ids and creation times (SQLite's rowid, PostgreSQL's heap
  order, an autoincrement id) would otherwise say who answered when; a single row holding a
  shuffled list says nothing of the kind.
- **Answers are released in shuffled batches.** The `release_survey_responses` job moves the
  pool into `SurveyResponse` (and one `SurveyProblemMention` per problem named) only when it
  holds at least `survey_release_batch` answers (or the month is over), in a shuffled order,
  so even the ids of released answers only say "somewhere in this batch". Released rows carry
  no timestamp at all: the survey (a month) is the only time they know.
- **Results need a crowd.** Counts, ranking and comments are shown only for answers that were
  released, and only when a survey has at least `survey_release_batch` of them: watching the
  ranking move cannot single out one person's answer.
- **The audit trail records the ballot, not the answer.** `submitSurveyResponse` is audited
  like every mutation (actor, time, request id) with the survey as its subject: "X used their
  ballot for survey S" is allowed knowledge; the entry names no response, and no response
  carries a time or request id to join it with. Refusals (a second answer) are audited the
  same way. No outbox event, notification or live update is sent for an answer.
- **Logs.** The request log (server/middleware.py) holds the request id, method, path and
  duration, never the body; this module logs nothing.

Hidden transaction ids (PostgreSQL's xmin) tie a ballot only to the pool's latest version, never
to a place in its list. Out of scope, and said so: someone watching the database live while a
person answers sees the pool grow by one; storage-level history (PostgreSQL's dead tuples and
WAL, SQLite's journal) keeps old versions of the pool row until it is vacuumed or
checkpointed; and an answer's free text may itself give its author away.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from enum import StrEnum

from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.models import (
    EmployeeSurvey,
    SurveyBallot,
    SurveyProblemMention,
    SurveyResponse,
    SurveyResponsePool,
)
from domain.policy_params import params

MAX_COMMENT = 2000
MAX_PROBLEMS = 3
_shuffle = random.SystemRandom()


class ProblemType(StrEnum):
    """The declared problem types a staff member can name (P8.1)."""

    BOOKING_TOOLS = "BOOKING_TOOLS"
    COMMUNICATION = "COMMUNICATION"
    WORKLOAD = "WORKLOAD"
    TRAINING = "TRAINING"
    PROCESSES = "PROCESSES"
    FACILITIES = "FACILITIES"
    CUSTOMER_SERVICE = "CUSTOMER_SERVICE"
    OTHER = "OTHER"


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str
    choices: tuple[str, ...] = ()


QUESTIONS = (
    Question(
        "problemTypes",
        N_("Which problems got most in the way of your work this month? Name up to three."),
        "CHOICE",
        tuple(p.value for p in ProblemType),
    ),
    Question("comment", N_("Anything else you want to tell us? (optional)"), "TEXT"),
)


def month_of(moment: dt.datetime) -> str:
    return clock.local(moment).strftime("%Y-%m")


def _bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    year, number = (int(part) for part in month.split("-"))
    start = dt.datetime(year, number, 1, tzinfo=clock.hotel_timezone)
    end = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=clock.hotel_timezone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


async def current_survey() -> EmployeeSurvey:
    """This month's survey, opened on first use (outside any transaction: two first uses at
    once meet the unique month and the loser reads the winner's row)."""
    month = month_of(clock.now())
    found = await EmployeeSurvey.get_or_none(month=month)
    if found is not None:
        return found
    opens, closes = _bounds(month)
    try:
        async with in_transaction():
            survey = await EmployeeSurvey.create(month=month, opens_at=opens, closes_at=closes)
            await SurveyResponsePool.create(survey_id=survey.id, entries=[])
            return survey
    except IntegrityError:
        return await EmployeeSurvey.get(month=month)


async def has_answered(survey_id: int, account_id: int) -> bool:
    return await SurveyBallot.exists(survey_id=survey_id, account_id=account_id)


def _answer(problem_types: list[str], comment: str | None) -> dict:
    chosen = sorted({str(p) for p in problem_types})
    if not chosen:
        raise DomainError(ErrorCode.REQUIRED, "Name at least one problem.", "problemTypes")
    if len(chosen) > MAX_PROBLEMS:
        raise DomainError(
            ErrorCode.OUT_OF_RANGE, f"Name at most {MAX_PROBLEMS} problems.", "problemTypes"
        )
    known = {p.value for p in ProblemType}
    if not set(chosen) <= known:
        raise DomainError(ErrorCode.INVALID, "Unknown problem type.", "problemTypes")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_COMMENT} characters.", "comment")
    return {"problemTypes": chosen, "comment": text}


async def submit(
    actor: Actor, survey: EmployeeSurvey, problem_types: list[str], comment: str | None
) -> EmployeeSurvey:
    """Use the caller's ballot and drop the answer into the pool (run inside `audited`, whose
    entry names the survey). Returns the survey, never anything about the answer."""
    answer = _answer(problem_types, comment)
    if survey.closed or clock.now() >= survey.closes_at:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "This survey is closed.", "surveyId")
    if await has_answered(survey.id, actor.account_id):
        raise DomainError(
            ErrorCode.DUPLICATE, "You have already answered this month's survey.", "surveyId"
        )
    try:
        await SurveyBallot.create(survey_id=survey.id, account_id=actor.account_id)
    except IntegrityError:  # a second answer sent at the same moment
        raise DomainError(
            ErrorCode.DUPLICATE, "You have already answered this month's survey.", "surveyId"
        ) from None
    pool = await SurveyResponsePool.select_for_update().get(survey_id=survey.id)
    entries = list(pool.entries or [])
    entries.insert(_shuffle.randint(0, len(entries)), answer)
    await SurveyResponsePool.filter(id=pool.id).update(entries=entries)
    return survey


async def release_responses() -> int:
    """Move every pool holding a full batch (or of a finished month) into released answers, in
    a shuffled order; close finished surveys. Idempotent: a pool is emptied in the same
    transaction that releases it, so a rerun releases nothing twice."""
    batch = await params.survey_release_batch
    now = clock.now()
    released = 0
    for survey in await EmployeeSurvey.filter(closed=False).order_by("id"):
        finished = now >= survey.closes_at
        async with in_transaction():
            pool = await SurveyResponsePool.select_for_update().get(survey_id=survey.id)
            entries = list(pool.entries or [])
            if entries and (len(entries) >= batch or finished):
                _shuffle.shuffle(entries)
                for entry in entries:
                    response = await SurveyResponse.create(
                        survey_id=survey.id, comment=entry.get("comment", "")
                    )
                    await SurveyProblemMention.bulk_create(
                        [
                            SurveyProblemMention(
                                survey_id=survey.id, response_id=response.id, problem_type=p
                            )
                            for p in entry.get("problemTypes", [])
                        ]
                    )
                await SurveyResponsePool.filter(id=pool.id).update(entries=[])
                released += len(entries)
            if finished:
                await EmployeeSurvey.filter(id=survey.id).update(closed=True)
    return released


@dataclass(frozen=True)
class ProblemRank:
    problem_type: str
    mentions: int
    rank: int


async def response_count(survey_id: int) -> int:
    return await SurveyResponse.filter(survey_id=survey_id).count()


async def results_shown(survey_id: int) -> bool:
    return await response_count(survey_id) >= await params.survey_release_batch


async def ranking(survey_id: int) -> list[ProblemRank]:
    """Problem types by how many released answers named them (one GROUP BY), most first; ties
    share a rank. Empty while too few answers are released to show (see module docstring)."""
    if not await results_shown(survey_id):
        return []
    rows = (
        await SurveyProblemMention.filter(survey_id=survey_id)
        .annotate(mentions=Count("id"))
        .group_by("problem_type")
        .values("problem_type", "mentions")
    )
    rows.sort(key=lambda r: (-r["mentions"], r["problem_type"]))
    ranked: list[ProblemRank] = []
    for position, row in enumerate(rows, start=1):
        tied = ranked and ranked[-1].mentions == row["mentions"]
        ranked.append(
            ProblemRank(row["problem_type"], row["mentions"], ranked[-1].rank if tied else position)
        )
    return ranked


def comments_query(survey_id: int, *, shown: bool):
    """The released free-text answers of a survey (none while results are not shown)."""
    rows = SurveyResponse.filter(survey_id=survey_id).exclude(comment="")
    return rows if shown else rows.filter(id__lt=0)
