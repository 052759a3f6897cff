"""The permanent blacklist for data falsification (P5.2.4).

An entry names the person by their account and by the keyed blind index of their
identity-document number (the number itself is stored encrypted beside it, P6.1.2), so a
re-hire is found under a new account too: the organisation area's hiring asks
`is_blacklisted(...)`. An entry is permanent: nothing in the API changes or removes it, and the
model refuses to delete one. The legal liability the clause also names is pursued outside the
system.
"""

from __future__ import annotations

from tortoise.expressions import Q

from domain import personal_data
from domain.actor import Actor
from domain.errors import DomainError, ErrorCode
from domain.i18n import N_
from domain.incentives.common import not_about_oneself, staff_member, text
from domain.models import StaffBlacklistEntry, ViolationCase
from domain.models.incentives import ID_DOCUMENT as KIND

MAX_DOCUMENT = 64


def _document_number(value: str | None) -> str:
    clean = " ".join((value or "").split())
    if not clean:
        raise DomainError(
            ErrorCode.REQUIRED, "Give the identity-document number.", "idDocumentNumber"
        )
    if len(clean) > MAX_DOCUMENT:
        raise DomainError(
            ErrorCode.TOO_LONG, f"At most {MAX_DOCUMENT} characters.", "idDocumentNumber"
        )
    return clean


async def is_blacklisted(
    *, account_id: int | None = None, id_document_number: str | None = None
) -> bool:
    """Whether the person (by account, or by identity-document number under any key of the
    ring) is on the permanent blacklist for data falsification. For hiring to call."""
    matches = []
    if account_id is not None:
        matches.append(Q(account_id=account_id))
    if id_document_number and id_document_number.strip():
        indexes = personal_data.blind_indexes(KIND, id_document_number)
        matches.append(Q(id_document_index__in=indexes))
    if not matches:
        return False
    match = Q(*matches, join_type="OR")
    return await StaffBlacklistEntry.filter(match).exists()


async def add(
    actor: Actor,
    staff_account_id: int,
    id_document_number: str | None,
    reason: str | None,
    violation_case_id: int | None = None,
) -> StaffBlacklistEntry:
    """Blacklist a staff member for data falsification, permanently (inside the caller's unit
    of work). A person already on the list (by account or document) is refused."""
    staff = await staff_member(staff_account_id)
    not_about_oneself(actor, staff)
    number = _document_number(id_document_number)
    why = text(reason, "reason", N_("Say what data was falsified."))
    if violation_case_id is not None:
        case = await ViolationCase.get_or_none(id=violation_case_id)
        if case is None or case.staff_account_id != staff.id:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "There is no such violation case of this staff member.",
                "violationCaseId",
            )
    if await is_blacklisted(account_id=staff.id, id_document_number=number):
        raise DomainError(
            ErrorCode.DUPLICATE, "This person is on the blacklist already.", "staffId"
        )
    return await StaffBlacklistEntry.create(
        account_id=staff.id,
        display_name=staff.display_name,
        id_document_number=number,
        reason=why,
        violation_case_id=violation_case_id,
        decided_by_account_id=actor.account_id,
    )


async def list_entries(*, first: int, after_id: int | None):
    query = StaffBlacklistEntry.all()
    page = query.filter(id__lt=after_id) if after_id else query
    rows = await page.order_by("-id").limit(first + 1)
    return rows[:first], len(rows) > first, query.count


def masked_document(entry: StaffBlacklistEntry) -> str:
    return personal_data.mask(personal_data.PersonalData.ID_DOCUMENT, entry.id_document_number)
