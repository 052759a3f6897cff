"""The knowledge base of standard operating procedures (P7.1.4, P8.6).

A procedure is published in versions: each has its title, body, number and a required summary
of what changed, and every version stays readable. Publishing a version makes it current
(a conditional update from the version the publisher edited, so two publishers cannot both
make version N+1) and tells the staff it concerns; reading is acknowledged per version, so a new
version must be read again, and supervisors list who in scope has not read the current one.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery

from domain import notifications
from domain.actor import Actor
from domain.clock import clock
from domain.errors import DomainError, ErrorCode
from domain.errors import required_text as text
from domain.i18n import N_
from domain.knowledge import audience as audiences
from domain.models import Account, Procedure, ProcedureRead, ProcedureVersion

MAX_TITLE = 200
MAX_BODY = 200_000
MAX_SUMMARY = 2_000
KIND = "PROCEDURE_PUBLISHED"


def scope_of(procedure: Procedure) -> audiences.Audience:
    return audiences.Audience.of_json(procedure.scope)


async def publish(
    actor: Actor,
    procedure_id: int | None,
    *,
    title: str,
    body: str,
    change_summary: str,
    scope: audiences.Audience | None,
    base_version: int | None,
) -> Procedure:
    """Publish a new procedure, or a new version of one (inside the caller's unit of work)."""
    heading = text(title, "title", MAX_TITLE, N_("Give the procedure a title."))
    content = text(body, "body", MAX_BODY, N_("Write the procedure."))
    summary = text(
        change_summary, "changeSummary", MAX_SUMMARY, N_("Say what changed in this version.")
    )
    if scope is not None and scope.accounts:
        raise DomainError(ErrorCode.INVALID, "A procedure concerns departments or roles.", "scope")
    now = clock.now()
    if procedure_id is None:
        procedure = await Procedure.create(
            title=heading,
            current_version=1,
            scope=(scope or audiences.Audience()).as_json(),
            updated_at=now,
        )
        number = 1
    else:
        procedure = await Procedure.get_or_none(id=procedure_id)
        if procedure is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such procedure.", "procedureId")
        current = procedure.current_version
        if base_version is not None and base_version != current:
            raise DomainError(
                ErrorCode.CONFLICT,
                f"Version {current} was published meanwhile: start from it.",
                "baseVersion",
            )
        changes: dict = {"title": heading, "current_version": current + 1, "updated_at": now}
        if scope is not None:
            changes["scope"] = scope.as_json()
        if not await Procedure.filter(id=procedure.id, current_version=current).update(**changes):
            raise DomainError(
                ErrorCode.CONFLICT,
                "Another version was published meanwhile: start from it.",
                "baseVersion",
            )
        number = current + 1
        procedure = await Procedure.get(id=procedure.id)
    try:
        await ProcedureVersion.create(
            procedure_id=procedure.id,
            version=number,
            title=heading,
            body=content,
            change_summary=summary,
            published_by_account_id=actor.account_id or 0,
        )
    except IntegrityError:
        raise DomainError(
            ErrorCode.CONFLICT,
            "Another version was published meanwhile: start from it.",
            "baseVersion",
        ) from None
    concerned = audiences.members(scope_of(procedure), await audiences.active_staff())
    await notifications.notify_many(
        [a.id for a in concerned if a.id != actor.account_id],
        KIND,
        f"Please read: {heading} (version {number})"[:200],
        summary,
        subject_type="Procedure",
        subject_id=procedure.id,
    )
    return procedure


async def acknowledge(actor: Actor, procedure_id: int, version: int) -> Procedure:
    """Record that the caller read `version`, which must be the current one. Acknowledging it
    again changes nothing."""
    if actor.account_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "Staff acknowledge procedures.", "procedureId")
    procedure = await Procedure.get_or_none(id=procedure_id)
    if procedure is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such procedure.", "procedureId")
    current = procedure.current_version
    if version > current or version < 1:
        raise DomainError(
            ErrorCode.NOT_FOUND, f"The procedure has no version {version}.", "version"
        )
    if version < current:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"Version {version} is no longer current: read version {current}.",
            "version",
        )
    if not await ProcedureRead.exists(
        procedure_id=procedure.id, version=version, account_id=actor.account_id
    ):
        try:
            await ProcedureRead.create(
                procedure_id=procedure.id, version=version, account_id=actor.account_id
            )
        except IntegrityError:  # a concurrent acknowledgement of the same version
            pass
    return procedure


# ---- reading --------------------------------------------------------------------------------


async def to_read_by(account_id: int, roles: list[str]) -> list[int]:
    """Ids of the procedures that concern the account and whose current version it has not
    read (two queries)."""
    rows = await Procedure.all().only("id", "scope", "current_version")
    mine = [p for p in rows if scope_of(p).empty or scope_of(p).includes(account_id, roles)]
    read = set(
        await ProcedureRead.filter(
            account_id=account_id, procedure_id__in=[p.id for p in mine] or [0]
        ).values_list("procedure_id", "version")
    )
    return [p.id for p in mine if (p.id, p.current_version) not in read]


async def list_procedures(
    *, only_ids: list[int] | None, search: str | None, first: int, after_id: int | None
):
    query = Procedure.all()
    if only_ids is not None:
        query = query.filter(id__in=only_ids or [0])
    if search:
        query = query.filter(title__icontains=search.strip()[:100])
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


@dataclass(frozen=True)
class ReadState:
    in_scope: int
    read: int
    read_by_viewer: bool
    concerns_viewer: bool


async def read_states(procedures: list[Procedure], viewer_id: int | None) -> dict[int, ReadState]:
    """For a page of procedures: how many staff in scope read the current version, and whether
    the viewer did and is concerned (two queries however long the page)."""
    if not procedures:
        return {}
    staff = await audiences.active_staff()
    current = {p.id: p.current_version for p in procedures}
    readers: dict[int, set[int]] = {p.id: set() for p in procedures}
    for procedure_id, version, account_id in await ProcedureRead.filter(
        procedure_id__in=list(current)
    ).values_list("procedure_id", "version", "account_id"):
        if current.get(procedure_id) == version:
            readers[procedure_id].add(account_id)
    found = {}
    for p in procedures:
        concerned = {a.id for a in audiences.members(scope_of(p), staff)}
        found[p.id] = ReadState(
            in_scope=len(concerned),
            read=len(concerned & readers[p.id]),
            read_by_viewer=viewer_id in readers[p.id],
            concerns_viewer=viewer_id in concerned,
        )
    return found


async def non_readers_query(procedure_id: int):
    """Active staff the procedure concerns who have not read its current version (a
    queryset, paged by the API)."""
    procedure = await Procedure.get_or_none(id=procedure_id)
    if procedure is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such procedure.", "procedureId")
    concerned = [
        a.id for a in audiences.members(scope_of(procedure), await audiences.active_staff())
    ]
    read = ProcedureRead.filter(
        procedure_id=procedure.id, version=procedure.current_version
    ).values("account_id")
    return Account.filter(id__in=concerned or [0]).exclude(id__in=Subquery(read))


async def versions_of(procedure_ids: list[int]) -> dict[int, list[ProcedureVersion]]:
    """Every version of each procedure, newest first (one query)."""
    found: dict[int, list[ProcedureVersion]] = {i: [] for i in procedure_ids}
    for row in await ProcedureVersion.filter(procedure_id__in=list(set(procedure_ids))).order_by(
        "-version"
    ):
        found[row.procedure_id].append(row)
    return found
