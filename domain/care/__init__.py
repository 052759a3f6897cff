"""The annual customer-care plan (P3.1.11: "drawn up X weeks in advance, and includes themed
activities such as birthday greetings and holiday perks").

A campaign has a kind (BIRTHDAY, HOLIDAY, ANNIVERSARY, OTHER), a name, the message and an
optional perk. A dated campaign (every kind but BIRTHDAY) sends on its `runOn` day. A birthday
campaign covers a period from `runOn` to `endsOn` (at most a year; a year by default) and
greets each member on their birthday inside it (members born on 29 February are greeted on 28
February in other years). A campaign is planned at least `care_plan_lead_weeks` before it runs,
and never for a past day: otherwise INSIDE_LEAD_TIME or OUT_OF_RANGE, nothing written.
`plan_for_year` is the annual plan: the campaigns running in a year.

The planner may give the campaign's text in other supported languages (`translations`, one per
language, each with a name and message, and a perk when the campaign has one); a member whose
guest account reads one of them gets that text, every other member the campaign's own text.

Sending (`send_due`, an idempotent worker job) happens on the day in the hotel's time zone
(`clock.today()`), only to active members with a current MARKETING consent
(`consents.consenting_members`), exactly once per member and campaign:

1. one set-based ``INSERT INTO care_delivery ... SELECT`` writes a PENDING delivery for every
   member due today; the unique (campaign, member) pair and ``ON CONFLICT DO NOTHING`` make a
   rerun add nothing;
2. PENDING deliveries are sent in batches, each batch one transaction that claims its rows with
   a conditional UPDATE (``status = 'PENDING'``) and writes their outbox messages, so a worker
   killed between batches and restarted sends nothing twice and misses nothing. A member with
   neither e-mail nor phone is SKIPPED. Deliveries left PENDING by a run killed late in the day
   are still sent by the next run (the greeting is late rather than lost); consent is checked
   again when each batch is claimed, so a withdrawal in between is honoured.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from tortoise import Tortoise
from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from domain import consents, i18n, outbox
from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.models import (
    Account,
    CareCampaign,
    CareDelivery,
    ConsentPurpose,
    GuestProfile,
    Member,
)
from domain.policy_params import params

MAX_MESSAGE = 2000
MAX_PERIOD_DAYS = 366


class CampaignKind(StrEnum):
    BIRTHDAY = "BIRTHDAY"
    HOLIDAY = "HOLIDAY"
    ANNIVERSARY = "ANNIVERSARY"
    OTHER = "OTHER"


class CampaignStatus(StrEnum):
    PLANNED = "PLANNED"
    CANCELLED = "CANCELLED"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    SKIPPED = "SKIPPED"


# ---- planning --------------------------------------------------------------------------------


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str:
    clean = (value or "").strip()
    if required and not clean:
        raise DomainError(ErrorCode.REQUIRED, f"{field} is required.", field)
    if len(clean) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"{field} has at most {limit} characters.", field)
    return clean


@dataclass(frozen=True)
class Translation:
    """The campaign's text in one language."""

    language: str
    name: str
    message: str
    perk: str | None = None


def _translations(given: list[Translation], has_perk: bool) -> dict[str, dict[str, str]]:
    """The translations to store, by supported language; errors name the field `translations`."""
    stored: dict[str, dict[str, str]] = {}
    for item in given:
        language = i18n.normalise(item.language)
        if language is None or len(item.language) > 35:
            raise DomainError(
                ErrorCode.INVALID, f"Choose one of {', '.join(i18n.SUPPORTED)}.", "translations"
            )
        if language in stored:
            raise DomainError(
                ErrorCode.DUPLICATE, "Give each language's text once.", "translations"
            )
        try:
            name = _text(item.name, "name", 120, required=True)
            message = _text(item.message, "message", MAX_MESSAGE, required=True)
            perk = _text(item.perk, "perk", 200, required=has_perk)
        except DomainError as refusal:
            refusal.field = "translations"
            raise
        if perk and not has_perk:
            raise DomainError(
                ErrorCode.INVALID,
                "A translation has a perk only when the campaign has one.",
                "translations",
            )
        stored[language] = {"name": name, "message": message, "perk": perk}
    return stored


def text_for(campaign: CareCampaign, language: str | None) -> tuple[str, str]:
    """(subject, body) of the campaign in `language`, else in the campaign's own text."""
    chosen = (campaign.translations or {}).get(language or "")
    name, message, perk = (
        (chosen["name"], chosen["message"], chosen.get("perk") or "")
        if chosen
        else (campaign.name, campaign.message, campaign.perk)
    )
    return name, message + (f"\n\n{perk}" if perk else "")


async def plan(
    actor: Actor,
    *,
    kind: CampaignKind | str,
    name: str,
    message: str,
    run_on: dt.date,
    ends_on: dt.date | None = None,
    perk: str | None = None,
    translations: list[Translation] | None = None,
) -> CareCampaign:
    """Plan a campaign (inside an audited unit of work)."""
    try:
        kind = CampaignKind(kind)
    except ValueError:
        raise DomainError(ErrorCode.INVALID, "Not a known campaign kind.", "kind") from None
    clean_name = _text(name, "name", 120, required=True)
    clean_message = _text(message, "message", MAX_MESSAGE, required=True)
    clean_perk = _text(perk, "perk", 200, required=False)
    other_languages = _translations(translations or [], bool(clean_perk))
    today = clock.today()
    if run_on < today:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "The campaign cannot run in the past.", "runOn")
    weeks = await params.care_plan_lead_weeks
    earliest = today + dt.timedelta(weeks=weeks)
    if run_on < earliest:
        first_day = earliest.isoformat()
        raise DomainError(
            ErrorCode.INSIDE_LEAD_TIME,
            f"Care campaigns are planned at least {weeks} weeks ahead: the earliest day is "
            f"{first_day}.",
            "runOn",
        )
    if kind == CampaignKind.BIRTHDAY:
        last = ends_on or _a_year_from(run_on)
        if last < run_on or (last - run_on).days >= MAX_PERIOD_DAYS:
            raise DomainError(
                ErrorCode.OUT_OF_RANGE,
                "A birthday campaign ends on or after its first day, within a year.",
                "endsOn",
            )
    else:
        if ends_on is not None and ends_on != run_on:
            raise DomainError(
                ErrorCode.INVALID, "Only a birthday campaign covers a period.", "endsOn"
            )
        last = run_on
    return await CareCampaign.create(
        kind=kind.value,
        name=clean_name,
        message=clean_message,
        perk=clean_perk,
        translations=other_languages,
        run_on=run_on,
        ends_on=last,
        status=CampaignStatus.PLANNED.value,
        planned_by_account_id=actor.account_id,
    )


def _a_year_from(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1) - dt.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def plan_for_year(year: int):
    """The campaigns running in `year` (a birthday campaign counts in every year it covers),
    in the order they start."""
    if not 1900 <= year <= 9999:
        raise DomainError(ErrorCode.OUT_OF_RANGE, "Give a year from 1900 to 9999.", "year")
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return CareCampaign.filter(run_on__lte=last, ends_on__gte=first).order_by("run_on", "id")


async def get_campaign(campaign_id: int, field: str = "campaignId") -> CareCampaign:
    row = await CareCampaign.get_or_none(id=campaign_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "There is no such campaign.", field)
    return row


# ---- sending ---------------------------------------------------------------------------------


def _birthday_today(today: dt.date) -> Q:
    born_today = Q(birth_month=today.month, birth_day=today.day)
    is_leap = today.year % 4 == 0 and (today.year % 100 != 0 or today.year % 400 == 0)
    if (today.month, today.day) == (2, 28) and not is_leap:
        born_today |= Q(birth_month=2, birth_day=29)
    return born_today


def recipients(campaign: CareCampaign, today: dt.date):
    """Members the campaign greets today, as a query: active, with a current marketing
    consent, and for a birthday campaign born on this day."""
    members = Member.filter(
        is_active=True, id__in=consents.consenting_members(ConsentPurpose.MARKETING)
    )
    if campaign.kind == CampaignKind.BIRTHDAY.value:
        members = members.filter(_birthday_today(today))
    return members


def _due_campaigns(today: dt.date):
    return CareCampaign.filter(
        status=CampaignStatus.PLANNED.value, run_on__lte=today, ends_on__gte=today
    ).order_by("id")


async def record_due_deliveries(today: dt.date) -> int:
    """Step 1: a PENDING delivery per member due today, written by one INSERT ... SELECT per
    campaign (a rerun adds nothing). Returns the rows the campaigns have for today."""
    connection = Tortoise.get_connection("default")
    postgres = connection.capabilities.dialect == "postgres"
    now = clock.now()
    for campaign in await _due_campaigns(today):
        chosen = recipients(campaign, today).only("id")
        chosen._choose_db_if_not_chosen()
        chosen._make_query()
        select_sql, select_values = chosen.query.get_parameterized_sql()
        ours = [campaign.id, today, DeliveryStatus.PENDING.value, now]
        if postgres:  # numbered placeholders: ours follow the member query's
            slots = ", ".join(f"${len(select_values) + i + 1}" for i in range(len(ours)))
            values = [*select_values, *ours]
        else:  # positional: ours come first in the text
            slots = ", ".join("?" for _ in ours)
            values = [*ours, *select_values]
        await connection.execute_query(
            "INSERT INTO care_delivery (campaign_id, send_on, status, created_at, member_id) "
            f"SELECT {slots}, chosen.id FROM ({select_sql}) AS chosen "
            "WHERE chosen.id IS NOT NULL ON CONFLICT (campaign_id, member_id) DO NOTHING",
            values,
        )
    return await CareDelivery.filter(send_on=today).count()


@dataclass
class SendReport:
    recorded: int = 0
    sent: int = 0
    skipped: int = 0
    batches: int = 0


async def _send_batch(rows: list[CareDelivery], report: SendReport) -> None:
    """One transaction: claim the rows still PENDING, check consent again, write the messages."""
    async with in_transaction():
        members = {
            m.id: m
            for m in await Member.filter(
                id__in=[row.member_id for row in rows], is_active=True
            ).filter(id__in=consents.consenting_members(ConsentPurpose.MARKETING))
        }
        profile_ids = [m.guest_profile_id for m in members.values()]
        profiles = {p.id: p for p in await GuestProfile.filter(id__in=profile_ids)}
        campaigns = {
            c.id: c for c in await CareCampaign.filter(id__in={row.campaign_id for row in rows})
        }
        # The language each member reads (their guest account's), one query for the batch.
        languages = {
            a["member_id"]: a["language"]
            for a in await Account.filter(
                member_id__in=list(members), kind="GUEST", language__not=""
            ).values("member_id", "language")
        }
        now = clock.now()
        for row in rows:
            member = members.get(row.member_id)
            profile = member and profiles.get(member.guest_profile_id)
            channel = outbox.contact_channel(profile)
            status = DeliveryStatus.SENT if channel else DeliveryStatus.SKIPPED
            claimed = await CareDelivery.filter(
                id=row.id, status=DeliveryStatus.PENDING.value
            ).update(status=status.value, channel=channel, sent_at=now if channel else None)
            if claimed != 1:
                continue  # another worker has it
            if channel is None:
                report.skipped += 1
                continue
            campaign = campaigns[row.campaign_id]
            subject, body = text_for(campaign, languages.get(row.member_id))
            await outbox.send_to_guest(
                profile,
                subject=subject,
                body=body,
                topic=f"care.{campaign.kind.lower()}",
                ref=f"care:{campaign.id}:{row.member_id}",
            )
            report.sent += 1


async def send_due(
    *,
    batch_size: int = 200,
    after_batch: Callable[[SendReport], Awaitable[None]] | None = None,
) -> SendReport:
    """The day's care messages (the worker job). `after_batch` runs after each committed batch
    (tests stop the run there, as a killed worker would)."""
    today = clock.today()
    report = SendReport(recorded=await record_due_deliveries(today))
    last_id = 0
    while True:
        rows = (
            await CareDelivery.filter(
                status=DeliveryStatus.PENDING.value, send_on__lte=today, id__gt=last_id
            )
            .order_by("id")
            .limit(batch_size)
        )
        if not rows:
            return report
        await _send_batch(rows, report)
        report.batches += 1
        last_id = rows[-1].id
        if after_batch is not None:
            await after_batch(report)


# ---- reading deliveries ----------------------------------------------------------------------


async def delivery_pages(
    campaign_ids: list[int], *, first: int, after_id: int | None, status: str | None
) -> dict[int, list[CareDelivery]]:
    """For each campaign, its newest `first` deliveries (after the cursor, of the status),
    in two queries whatever the number of campaigns: a window over the campaigns picks the
    ids, one lookup loads them."""
    if not campaign_ids or first <= 0:
        return {}
    # Only integers and a known status are put in the text, never caller's strings.
    where = [f"campaign_id IN ({', '.join(str(int(c)) for c in set(campaign_ids))})"]
    if after_id is not None:
        where.append(f"id < {int(after_id)}")
    if status is not None:
        where.append(f"status = '{DeliveryStatus(status).value}'")
    sql = (
        "SELECT id FROM (SELECT id, ROW_NUMBER() OVER "
        "(PARTITION BY campaign_id ORDER BY id DESC) AS position "
        f"FROM care_delivery WHERE {' AND '.join(where)}) AS ranked "
        f"WHERE position <= {int(first)}"
    )
    connection = Tortoise.get_connection("default")
    ids = [row["id"] for row in await connection.execute_query_dict(sql)]
    pages: dict[int, list[CareDelivery]] = {}
    for row in await CareDelivery.filter(id__in=ids).order_by("-id"):
        pages.setdefault(row.campaign_id, []).append(row)
    return pages


async def delivery_counts(campaign_ids: list[int], status: str | None) -> dict[int, int]:

    query = CareDelivery.filter(campaign_id__in=campaign_ids)
    if status is not None:
        query = query.filter(status=status)
    rows = await query.annotate(n=Count("id")).group_by("campaign_id").values("campaign_id", "n")
    return {row["campaign_id"]: row["n"] for row in rows}


async def delivery_status_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:

    rows = (
        await CareDelivery.filter(campaign_id__in=campaign_ids)
        .annotate(n=Count("id"))
        .group_by("campaign_id", "status")
        .values("campaign_id", "status", "n")
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["campaign_id"], {})[row["status"]] = row["n"]
    return counts
