"""Notices, phone calls, the knowledge base and onboarding learning (P7.1.1, P7.1.4, P8.6).

Managers, HR and internal audit see every notice and call; other staff see those they sent,
received, recorded or took part in. Every staff member reads the knowledge base, acknowledges
procedures and logs their learning; supervisors, the director and HR see who has not read a
procedure's current version and every new staff member's progress.
"""

from __future__ import annotations

import strawberry

from authz.enforcer import Access
from domain import knowledge
from domain.errors import DomainError
from domain.models import Account as AccountRow
from domain.models import Notice as NoticeRow
from domain.models import OnboardingPlan as PlanRow
from domain.models import PhoneCall as PhoneCallRow
from domain.models import Procedure as ProcedureRow
from resolvers.nodes import register
from resolvers.support import access_of, run_audited
from schema.types.errors import user_errors
from schema.types.identity import Viewer, viewer_of_account
from schema.types.knowledge import (
    AcknowledgeProcedureInput,
    LearningProgress,
    LearningProgressFilter,
    LearningSession,
    LogLearningInput,
    LogLearningPayload,
    Notice,
    NoticeFilter,
    NoticePayload,
    PhoneCall,
    PhoneCallFilter,
    PhoneCallPayload,
    Procedure,
    ProcedureFilter,
    ProcedurePayload,
    PublishProcedureInput,
    RecordPhoneCallInput,
    SendNoticeInput,
)
from schema.types.relay import Connection, paged, paginate, parse_global_id

# ---- notices --------------------------------------------------------------------------------


async def list_notices(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: NoticeFilter | None = None,
) -> Connection[Notice]:
    f = filter or NoticeFilter()
    everything = access_of(info, "notice", "read") == Access.ALL

    async def fetch(size: int, after_id: int | None):
        return await knowledge.notices.list_notices(
            info.context.actor.account_id,
            everything=everything,
            received_only=f.received_only,
            first=size,
            after_id=after_id,
        )

    return await paged(first, after, fetch, Notice.of)


async def send_notice(info: strawberry.Info, input: SendNoticeInput) -> NoticePayload:
    async def work():
        audience = await knowledge.audience.parse(
            input.audience.departments, input.audience.roles, input.audience.staff_emails
        )
        return await knowledge.notices.send(
            info.context.actor, input.title, input.body, audience, by_email=input.by_email
        )

    row, errors = await run_audited(info, "sendNotice", "Notice", work)
    return NoticePayload(notice=row and Notice.of(row), errors=errors)


@register("Notice", "notice")
async def _notice_node(info: strawberry.Info, pk: int, access) -> Notice | None:
    row = await NoticeRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and not await knowledge.notices.is_visible(
        row, info.context.actor.account_id
    ):
        return None
    return Notice.of(row)


# ---- phone calls ----------------------------------------------------------------------------


async def list_phone_calls(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: PhoneCallFilter | None = None,
) -> Connection[PhoneCall]:
    f = filter or PhoneCallFilter()
    query = knowledge.calls.visible_query(
        info.context.actor.account_id,
        everything=access_of(info, "phone_call", "read") == Access.ALL,
        emergency_only=f.emergency_only,
    )
    return await paginate(query, first, after, PhoneCall.of)


async def record_phone_call(info: strawberry.Info, input: RecordPhoneCallInput) -> PhoneCallPayload:
    def party(value):
        return value and knowledge.calls.Party(value.staff_email, value.name)

    async def work():
        return await knowledge.calls.record(
            info.context.actor,
            caller=party(input.caller),
            callee=party(input.callee),
            called_at=input.called_at,
            subject=input.subject,
            outcome=input.outcome,
            emergency=input.emergency,
        )

    row, errors = await run_audited(info, "recordPhoneCall", "PhoneCall", work)
    return PhoneCallPayload(phone_call=row and PhoneCall.of(row), errors=errors)


@register("PhoneCall", "phone_call")
async def _phone_call_node(info: strawberry.Info, pk: int, access) -> PhoneCall | None:
    row = await PhoneCallRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and not knowledge.calls.is_visible(row, info.context.actor.account_id):
        return None
    return PhoneCall.of(row)


# ---- procedures -----------------------------------------------------------------------------


async def list_procedures(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: ProcedureFilter | None = None,
) -> Connection[Procedure]:
    f = filter or ProcedureFilter()
    only = None
    if f.to_read:
        identity = info.context.identity
        only = await knowledge.procedures.to_read_by(identity.id or 0, list(identity.roles))

    async def fetch(size: int, after_id: int | None):
        return await knowledge.procedures.list_procedures(
            only_ids=only, search=f.search, first=size, after_id=after_id
        )

    return await paged(first, after, fetch, Procedure.of)


async def procedure(info: strawberry.Info, id: strawberry.ID) -> Procedure | None:
    try:
        pk = parse_global_id(id, "Procedure", "id")
    except DomainError:
        return None
    row = await ProcedureRow.get_or_none(id=pk)
    return row and Procedure.of(row)


async def procedure_non_readers(
    info: strawberry.Info,
    procedure_id: strawberry.ID,
    first: int | None = None,
    after: str | None = None,
) -> Connection[Viewer]:
    try:
        pk = parse_global_id(procedure_id, "Procedure", "procedureId")
        query = await knowledge.procedures.non_readers_query(pk)
    except DomainError:  # no such procedure: nobody to list
        query = AccountRow.filter(id__in=[])
    return await paginate(query, first, after, viewer_of_account)


async def publish_procedure(
    info: strawberry.Info, input: PublishProcedureInput
) -> ProcedurePayload:
    async def work():
        procedure_id = (
            None
            if input.procedure_id is None
            else parse_global_id(input.procedure_id, "Procedure", "procedureId")
        )
        scope = None
        if input.scope is not None:
            scope = await knowledge.audience.parse(
                input.scope.departments, input.scope.roles, [], field_name="scope"
            )
        return await knowledge.procedures.publish(
            info.context.actor,
            procedure_id,
            title=input.title,
            body=input.body,
            change_summary=input.change_summary,
            scope=scope,
            base_version=input.base_version,
        )

    row, errors = await run_audited(info, "publishProcedure", "Procedure", work)
    return ProcedurePayload(procedure=row and Procedure.of(row), errors=errors)


async def acknowledge_procedure(
    info: strawberry.Info, input: AcknowledgeProcedureInput
) -> ProcedurePayload:
    async def work():
        procedure_id = parse_global_id(input.procedure_id, "Procedure", "procedureId")
        return await knowledge.procedures.acknowledge(
            info.context.actor, procedure_id, input.version
        )

    row, errors = await run_audited(info, "acknowledgeProcedure", "Procedure", work)
    return ProcedurePayload(procedure=row and Procedure.of(row), errors=errors)


@register("Procedure", "procedure")
async def _procedure_node(info: strawberry.Info, pk: int, access) -> Procedure | None:
    row = await ProcedureRow.get_or_none(id=pk)
    return row and Procedure.of(row)


# ---- learning -------------------------------------------------------------------------------


async def learning_progress(
    info: strawberry.Info,
    first: int | None = None,
    after: str | None = None,
    filter: LearningProgressFilter | None = None,
) -> Connection[LearningProgress]:
    f = filter or LearningProgressFilter()
    mine = f.only_mine or access_of(info, "learning", "read") == Access.OWN

    async def fetch(size: int, after_id: int | None):
        return await knowledge.learning.list_plans(
            account_id=(info.context.actor.account_id or 0) if mine else None,
            behind_only=f.behind_only,
            first=size,
            after_id=after_id,
        )

    return await paged(first, after, fetch, LearningProgress.of)


async def log_learning(info: strawberry.Info, input: LogLearningInput) -> LogLearningPayload:
    try:
        procedure_id = parse_global_id(input.procedure_id, "Procedure", "procedureId")
    except DomainError as refusal:
        return LogLearningPayload(errors=user_errors(refusal))

    async def work():
        return await knowledge.learning.log(
            info.context.actor, procedure_id, input.minutes, input.studied_on, input.note
        )

    done, errors = await run_audited(info, "logLearning", "LearningSession", work)
    if done is None:
        return LogLearningPayload(errors=errors)
    session, plan = done
    return LogLearningPayload(
        session=LearningSession.of(session),
        progress=plan and LearningProgress.of(plan),
        errors=errors,
    )


@register("LearningProgress", "learning")
async def _learning_node(info: strawberry.Info, pk: int, access) -> LearningProgress | None:
    row = await PlanRow.get_or_none(id=pk)
    if row is None:
        return None
    if access == Access.OWN and row.account_id != info.context.actor.account_id:
        return None
    return LearningProgress.of(row)
