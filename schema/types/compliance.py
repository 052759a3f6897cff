"""Types of the compliance area (P6.1.2, P6.1.3, P6.1.4; PIPL Arts. 13-15, 38-40): the
classification of personal data, a guest's consents, partners and their security assessments,
and the staff's data-protection training."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry import relay

from domain.clock import clock
from domain.compliance import partners, training
from domain.models import AssessmentResult as AssessmentResultEnum
from domain.models import ConsentPurpose as ConsentPurposeEnum
from domain.personal_data import classification
from schema.loaders import compliance as loaders
from schema.types.errors import UserError
from schema.types.identity import Viewer, viewer_of_account
from schema.types.mapping import from_row

PersonalDataClass = strawberry.enum(classification.DataClass, name="PersonalDataClass")
PersonalDataPurpose = strawberry.enum(classification.Purpose, name="PersonalDataPurpose")
ConsentPurpose = strawberry.enum(ConsentPurposeEnum, name="ConsentPurpose")
AssessmentResult = strawberry.enum(AssessmentResultEnum, name="AssessmentResult")
ComplianceTrainingState = strawberry.enum(
    training.TrainingState, name="ComplianceTrainingState"
)


# ---- classification (P6.1.2) ----------------------------------------------------------------


@strawberry.type(description="A kind of personal data: its class and how it is masked.")
class PersonalDataKind:
    kind: str
    data_class: PersonalDataClass
    unmasked_by: str = strawberry.field(
        description="The grant of the permission matrix that shows it in full (resource:action)."
    )
    masking: str = strawberry.field(description="What a viewer without that grant sees.")
    maskable: bool = strawberry.field(description="False: withheld instead of masked.")
    to_third_parties: bool = strawberry.field(
        description="Whether partners may receive it at all (never for SENSITIVE kinds)."
    )


@strawberry.type(description="One stored field holding personal data.")
class PersonalDataField:
    model: str
    field: str
    data_class: PersonalDataClass
    purpose: PersonalDataPurpose
    kind: str | None = strawberry.field(description="The kind it is masked as, if any.")
    masking: str = strawberry.field(description="Who sees it, and how.")
    encrypted: bool = strawberry.field(description="Stored as ciphertext.")


@strawberry.type(
    description="The declared classification of personal data that drives its encryption and "
    "masking (P6.1.2; PIPL Art. 28 sensitive personal information)."
)
class PersonalDataClassification:
    kinds: list[PersonalDataKind]
    fields: list[PersonalDataField]

    @classmethod
    def current(cls) -> PersonalDataClassification:
        return cls(
            kinds=[
                PersonalDataKind(
                    kind=kind.value,
                    data_class=rule.data_class,
                    unmasked_by=":".join(rule.unmasked_by),
                    masking=rule.masking,
                    maskable=rule.maskable,
                    to_third_parties=not rule.never_to_third_parties,
                )
                for kind, rule in classification.KINDS.items()
            ],
            fields=[
                PersonalDataField(
                    model=entry.model,
                    field=entry.field,
                    data_class=entry.data_class,
                    purpose=entry.purpose,
                    kind=entry.kind.value if entry.kind else None,
                    masking=entry.masking,
                    encrypted=entry.encrypted,
                )
                for entry in classification.FIELDS
            ],
        )


# ---- consents (PIPL Arts. 14-15) ------------------------------------------------------------


@strawberry.type(description="The current answer for one purpose.")
class Consent:
    purpose: ConsentPurpose
    granted: bool
    notice_version: str
    channel: str
    changed_at: dt.datetime

    @classmethod
    def of(cls, row) -> Consent:
        return from_row(cls, row, purpose=ConsentPurpose(row.purpose))


@strawberry.type(description="One grant or withdrawal in the consent ledger, never changed.")
class ConsentEntry(relay.Node):
    id: relay.NodeID[int]
    purpose: ConsentPurpose
    granted: bool
    notice_version: str
    channel: str
    at: dt.datetime

    @classmethod
    def of(cls, row) -> ConsentEntry:
        return from_row(cls, row, purpose=ConsentPurpose(row.purpose), at=row.created_at)


@strawberry.input(
    description="Grant consent for a purpose (MARKETING, PARTNER_SHARING or CROSS_BORDER) under "
    "the current privacy notice."
)
class SetConsentInput:
    purpose: ConsentPurpose
    notice_version: str = strawberry.field(description="The privacy notice version shown.")


@strawberry.input(description="Withdraw consent for a purpose; it counts from the next request.")
class WithdrawConsentInput:
    purpose: ConsentPurpose


@strawberry.type
class ConsentPayload:
    consent: Consent | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# ---- partners and transfers abroad (P6.1.3, PIPL Arts. 38-40) -------------------------------


@strawberry.type(description="A security assessment of transferring data to a partner abroad.")
class SecurityAssessment:
    assessed_on: dt.date
    assessor: str
    result: AssessmentResult
    valid_until: dt.date
    document_reference: str
    valid_today: bool

    @classmethod
    def of(cls, row, today: dt.date) -> SecurityAssessment:
        return from_row(
            cls,
            row,
            result=AssessmentResult(row.result),
            valid_today=row.result == AssessmentResultEnum.PASSED
            and row.assessed_on <= today <= row.valid_until,
        )


@strawberry.type(description="An outside organisation that receives guest data through tokens.")
class Partner(relay.Node):
    id: relay.NodeID[int]
    name: str
    country: str
    abroad: bool = strawberry.field(description="Outside the hotel's country: a transfer abroad.")
    created_at: dt.datetime

    @strawberry.field(description="The partner API tokens it reads through.")
    async def api_token_ids(self, info: strawberry.Info) -> list[strawberry.ID]:
        ids = await loaders.tokens(info).load(self.id)
        return [strawberry.ID(relay.to_base64("ApiToken", i)) for i in ids]

    @strawberry.field(description="Its security assessments, newest first.")
    async def assessments(self, info: strawberry.Info) -> list[SecurityAssessment]:
        today = clock.today()
        rows = await loaders.assessments(info).load(self.id)
        return [SecurityAssessment.of(row, today) for row in rows]

    @strawberry.field(
        description="Whether guest data may go to it today as far as the partner goes: always "
        "for a domestic partner, with a valid PASSED assessment for one abroad (each guest's "
        "PARTNER_SHARING and CROSS_BORDER consent is checked as well)."
    )
    async def transfer_allowed(self, info: strawberry.Info) -> bool:
        if not self.abroad:
            return True
        assessments = await self.assessments(info)
        return any(a.valid_today for a in assessments)

    @classmethod
    def of(cls, row) -> Partner:
        return from_row(cls, row, abroad=partners.is_abroad(row))


@strawberry.input(description="A partner, the country where it processes data and its tokens.")
class RegisterPartnerInput:
    name: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2, e.g. CN, SG, US.")
    api_token_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@strawberry.input
class AttachPartnerTokensInput:
    partner_id: strawberry.ID
    api_token_ids: list[strawberry.ID]


@strawberry.type
class PartnerPayload:
    partner: Partner | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Record a security assessment of a partner (PIPL Arts. 38-40).")
class RecordSecurityAssessmentInput:
    partner_id: strawberry.ID
    assessed_on: dt.date
    assessor: str
    result: AssessmentResult
    valid_until: dt.date
    document_reference: str = strawberry.field(description="Where the report is kept.")


@strawberry.type
class SecurityAssessmentPayload:
    assessment: SecurityAssessment | None = None
    partner: Partner | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# ---- data-protection training (P6.1.4) ------------------------------------------------------


@strawberry.type(description="A completed data-protection training.")
class ComplianceTraining:
    topic: str
    completed_on: dt.date
    valid_until: dt.date


@strawberry.type(description="A staff member who handles personal data, and their training.")
class StaffTrainingStatus:
    state: ComplianceTrainingState
    valid_until: dt.date | None
    last_training: ComplianceTraining | None
    account: strawberry.Private[object]

    @strawberry.field
    def person(self) -> Viewer:
        return viewer_of_account(self.account)

    @classmethod
    def of(cls, status: training.TrainingStatus) -> StaffTrainingStatus:
        last = status.last
        return cls(
            state=status.state,
            valid_until=status.valid_until,
            last_training=last and from_row(ComplianceTraining, last),
            account=status.account,
        )


@strawberry.input(description="Record that a staff member completed data-protection training.")
class RecordComplianceTrainingInput:
    staff_email: str
    completed_on: dt.date
    topic: str | None = None


@strawberry.type
class ComplianceTrainingPayload:
    training: ComplianceTraining | None = None
    status: StaffTrainingStatus | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
