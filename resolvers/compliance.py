"""The compliance area through the API (P6.1.2, P6.1.3, P6.1.4; PIPL Arts. 13-15, 38-40):
the classification of personal data for auditors, administrators and legal; a guest's consent
choices and ledger; partners, their tokens and security assessments (legal); the staff's
data-protection training (HR records it, auditors, legal and directors follow it)."""

from __future__ import annotations

import strawberry

from domain.clock import clock
from domain.compliance import choices, partners, training
from domain.errors import DomainError
from domain.models import ConsentPurpose as ConsentPurposeRow
from domain.models import ConsentRecord as ConsentRecordRow
from domain.models import Partner as PartnerRow
from resolvers.nodes import register
from resolvers.support import run_audited
from schema.types.compliance import (
    AttachPartnerTokensInput,
    ComplianceTraining,
    ComplianceTrainingPayload,
    ComplianceTrainingState,
    Consent,
    ConsentEntry,
    ConsentPayload,
    Partner,
    PartnerPayload,
    PersonalDataClassification,
    RecordComplianceTrainingInput,
    RecordSecurityAssessmentInput,
    RegisterPartnerInput,
    SecurityAssessment,
    SecurityAssessmentPayload,
    SetConsentInput,
    StaffTrainingStatus,
    WithdrawConsentInput,
)
from schema.types.errors import user_errors
from schema.types.relay import Connection, paged, parse_global_id


def personal_data_classification(info: strawberry.Info) -> PersonalDataClassification:
    return PersonalDataClassification.current()


# ---- consents -------------------------------------------------------------------------------


async def my_consents(info: strawberry.Info) -> list[Consent]:
    try:
        rows = await choices.current(info.context.actor)
    except DomainError:
        return []
    return [Consent.of(row) for row in rows]


async def my_consent_history(
    info: strawberry.Info, first: int | None = None, after: str | None = None
) -> Connection[ConsentEntry]:
    async def fetch(size: int, after_id: int | None):
        try:
            return await choices.history(info.context.actor, first=size, after_id=after_id)
        except DomainError:

            async def none() -> int:
                return 0

            return [], False, none

    return await paged(first, after, fetch, ConsentEntry.of)


async def _choose(info: strawberry.Info, action: str, purpose, granted: bool, version):
    async def work():
        await choices.choose(
            info.context.actor, ConsentPurposeRow(purpose.value), granted=granted,
            notice_version=version,
        )
        states = await choices.current(info.context.actor)
        return next(row for row in states if row.purpose == purpose.value)

    row, errors = await run_audited(info, action, "ConsentRecord", work)
    return ConsentPayload(consent=row and Consent.of(row), errors=errors)


async def set_consent(info: strawberry.Info, input: SetConsentInput) -> ConsentPayload:
    return await _choose(info, "setConsent", input.purpose, True, input.notice_version)


async def withdraw_consent(info: strawberry.Info, input: WithdrawConsentInput) -> ConsentPayload:
    return await _choose(info, "withdrawConsent", input.purpose, False, None)


# ---- partners -------------------------------------------------------------------------------


async def list_partners(
    info: strawberry.Info, first: int | None = None, after: str | None = None
) -> Connection[Partner]:
    async def fetch(size: int, after_id: int | None):
        return await partners.list_partners(first=size, after_id=after_id)

    return await paged(first, after, fetch, Partner.of)


def _token_ids(values: list[strawberry.ID]) -> list[int]:
    return [parse_global_id(v, "ApiToken", "apiTokenIds") for v in values]


async def register_partner(info: strawberry.Info, input: RegisterPartnerInput) -> PartnerPayload:
    try:
        token_ids = _token_ids(input.api_token_ids)
    except DomainError as refusal:
        return PartnerPayload(errors=user_errors(refusal))

    async def work():
        return await partners.register_partner(
            info.context.actor, input.name, input.country, token_ids
        )

    row, errors = await run_audited(info, "registerPartner", "Partner", work)
    return PartnerPayload(partner=row and Partner.of(row), errors=errors)


async def attach_partner_tokens(
    info: strawberry.Info, input: AttachPartnerTokensInput
) -> PartnerPayload:
    try:
        partner_id = parse_global_id(input.partner_id, "Partner", "partnerId")
        token_ids = _token_ids(input.api_token_ids)
    except DomainError as refusal:
        return PartnerPayload(errors=user_errors(refusal))

    async def work():
        return await partners.attach_tokens(info.context.actor, partner_id, token_ids)

    row, errors = await run_audited(
        info, "attachPartnerTokens", "Partner", work, subject_id=partner_id
    )
    return PartnerPayload(partner=row and Partner.of(row), errors=errors)


async def record_security_assessment(
    info: strawberry.Info, input: RecordSecurityAssessmentInput
) -> SecurityAssessmentPayload:
    try:
        partner_id = parse_global_id(input.partner_id, "Partner", "partnerId")
    except DomainError as refusal:
        return SecurityAssessmentPayload(errors=user_errors(refusal))
    request = partners.AssessmentRequest(
        partner_id=partner_id,
        assessed_on=input.assessed_on,
        assessor=input.assessor,
        result=input.result,
        valid_until=input.valid_until,
        document_reference=input.document_reference,
    )

    async def work():
        return await partners.record_assessment(info.context.actor, request)

    row, errors = await run_audited(
        info, "recordSecurityAssessment", "Partner", work, subject_id=partner_id
    )
    if row is None:
        return SecurityAssessmentPayload(errors=errors)
    partner = await PartnerRow.get(id=partner_id)
    return SecurityAssessmentPayload(
        assessment=SecurityAssessment.of(row, clock.today()), partner=Partner.of(partner)
    )


@register("Partner", "partner")
async def _partner_node(info: strawberry.Info, pk: int, access) -> Partner | None:
    row = await PartnerRow.get_or_none(id=pk)
    return row and Partner.of(row)


@register("ConsentEntry", "consent")
async def _consent_entry_node(info: strawberry.Info, pk: int, access) -> ConsentEntry | None:
    """A guest reaches the entries of their own ledger only."""
    row = await ConsentRecordRow.get_or_none(id=pk)
    if row is None:
        return None
    try:
        mine = await choices.owns(info.context.actor, row)
    except DomainError:
        return None
    return ConsentEntry.of(row) if mine else None


# ---- training -------------------------------------------------------------------------------


async def compliance_training_status(
    info: strawberry.Info, state: ComplianceTrainingState | None = None
) -> list[StaffTrainingStatus]:
    """Every staff member who handles personal data (a bounded list: the staff), newest
    account first, optionally only those in one state."""
    wanted = training.TrainingState(state.value) if state else None
    return [StaffTrainingStatus.of(s) for s in await training.statuses(wanted)]


async def record_compliance_training(
    info: strawberry.Info, input: RecordComplianceTrainingInput
) -> ComplianceTrainingPayload:
    async def work():
        return await training.record(
            info.context.actor, input.staff_email, input.completed_on, input.topic
        )

    row, errors = await run_audited(info, "recordComplianceTraining", "ComplianceTraining", work)
    if row is None:
        return ComplianceTrainingPayload(errors=errors)
    status = next((s for s in await training.statuses() if s.id == row.account_id), None)
    return ComplianceTrainingPayload(
        training=ComplianceTraining(
            topic=row.topic, completed_on=row.completed_on, valid_until=row.valid_until
        ),
        status=status and StaffTrainingStatus.of(status),
    )
