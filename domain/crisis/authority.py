"""What a crisis group's membership lets a member do (P4.1.4): decide a pending approval whose
kind the group names, at any level and in one step, as the highest role the request names.

`authority_for` is the one call the approval path makes. When it grants authority it also
records the act against the group and tags the operation's audit entry with the group, inside
the caller's transaction, so a refused or rolled-back decision leaves no trace of it either.
"""

from __future__ import annotations

from dataclasses import dataclass

from authz.identity import Kind
from domain.actor import Actor
from domain.clock import clock
from domain.models import ApprovalRequest, CrisisAction, CrisisGroup, CrisisMember
from domain.unit_of_work import tag_entry


@dataclass(frozen=True)
class CrisisAuthority:
    group_id: int
    role: str

    @property
    def label(self) -> str:
        return f"crisis group {self.group_id}"

    def comment(self, comment: str) -> str:
        """The decision's comment, saying under whose authority it was made."""
        said = comment.strip()
        return f"Under the authority of {self.label}" + (f": {said}" if said else ".")


def highest_role(levels: list[list[str]]) -> str:
    """The highest role any level of a request names: the authority the group decides with."""
    from domain.approvals import role_rank  # the approvals module calls this one

    return max((role for level in levels for role in level), key=role_rank)


async def active_group_for(account_id: int, kind: str) -> CrisisGroup | None:
    """The earliest active group this account sits in that names `kind` as a matter."""
    group_ids = await CrisisMember.filter(account_id=account_id).values_list("group_id", flat=True)
    if not group_ids:
        return None
    groups = await CrisisGroup.filter(
        id__in=list(group_ids), status="ACTIVE", expires_at__gt=clock.now()
    ).order_by("id")
    return next((g for g in groups if kind in (g.matters or [])), None)


async def _active_groups():
    return await CrisisGroup.filter(status="ACTIVE", expires_at__gt=clock.now()).order_by("id")


async def kinds_decided_by(account_id: int) -> list[str]:
    """The approval kinds this account decides under an active group's authority."""
    group_ids = await CrisisMember.filter(account_id=account_id).values_list("group_id", flat=True)
    if not group_ids:
        return []
    groups = await CrisisGroup.filter(
        id__in=list(group_ids), status="ACTIVE", expires_at__gt=clock.now()
    ).only("id", "matters")
    return sorted({kind for g in groups for kind in (g.matters or [])})


async def members_deciding(kind: str) -> dict[int, list[int]]:
    """Group id -> member account ids, for each active group naming `kind` as a matter: who
    may decide a request of that kind at once (told when one is submitted)."""
    groups = [g.id for g in await _active_groups() if kind in (g.matters or [])]
    found: dict[int, list[int]] = {g: [] for g in groups}
    for member in await CrisisMember.filter(group_id__in=groups or [0]).order_by("id"):
        found[member.group_id].append(member.account_id)
    return found


async def authority_for(actor: Actor, request: ApprovalRequest) -> CrisisAuthority | None:
    """The crisis authority the actor holds over `request`, recorded and tagged; None when the
    actor sits in no active group naming its kind (they decide by their own roles)."""
    if actor.identity.kind != Kind.STAFF or actor.account_id is None:
        return None
    group = await active_group_for(actor.account_id, request.kind)
    if group is None:
        return None
    found = CrisisAuthority(group_id=group.id, role=highest_role(request.levels))
    await CrisisAction.create(
        group_id=group.id,
        account_id=actor.account_id,
        actor_name=actor.identity.display_name[:200],
        action="decideApproval",
        subject_type="ApprovalRequest",
        subject_id=str(request.id),
        role=found.role,
        note=f"{request.kind} request {request.id}, level {request.current_level} "
        f"of {len(request.levels)}",
    )
    tag_entry(f"{found.label}: decided as {found.role}")
    return found
