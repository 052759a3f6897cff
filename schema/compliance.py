"""Compliance fields of the root types (P6.1.2, P6.1.3, P6.1.4; PIPL Arts. 13-15, 38-40)."""

from __future__ import annotations

import strawberry

from resolvers import compliance as compliance_resolvers
from schema.permissions import requires
from schema.types.compliance import (
    ComplianceTrainingPayload,
    Consent,
    ConsentEntry,
    ConsentPayload,
    Partner,
    PartnerPayload,
    PersonalDataClassification,
    SecurityAssessmentPayload,
    StaffTrainingStatus,
)
from schema.types.relay import Connection


@strawberry.type
class ComplianceQuery:
    personal_data_classification: PersonalDataClassification = strawberry.field(
        resolver=compliance_resolvers.personal_data_classification,
        extensions=[requires("personal_data_classification", "read")],
        description="Every field of personal data: its class (ORDINARY or SENSITIVE), purpose "
        "and masking (P6.1.2).",
    )
    my_consents: list[Consent] = strawberry.field(
        resolver=compliance_resolvers.my_consents,
        extensions=[requires("consent", "read")],
        description="The calling guest's current answer per purpose.",
    )
    my_consent_history: Connection[ConsentEntry] = strawberry.field(
        resolver=compliance_resolvers.my_consent_history,
        extensions=[requires("consent", "read")],
        description="The calling guest's consent ledger, newest first.",
    )
    partners: Connection[Partner] = strawberry.field(
        resolver=compliance_resolvers.list_partners,
        extensions=[requires("partner", "read")],
        description="Partners that receive guest data, with country and assessments (P6.1.3).",
    )
    compliance_training_status: list[StaffTrainingStatus] = strawberry.field(
        resolver=compliance_resolvers.compliance_training_status,
        extensions=[requires("compliance_training", "read")],
        description="Staff who handle personal data and their data-protection training: "
        "CURRENT, DUE (running out soon) or OVERDUE (P6.1.4).",
    )


@strawberry.type
class ComplianceMutation:
    set_consent: ConsentPayload = strawberry.mutation(
        resolver=compliance_resolvers.set_consent,
        extensions=[requires("consent", "choose")],
    )
    withdraw_consent: ConsentPayload = strawberry.mutation(
        resolver=compliance_resolvers.withdraw_consent,
        extensions=[requires("consent", "choose")],
    )
    register_partner: PartnerPayload = strawberry.mutation(
        resolver=compliance_resolvers.register_partner,
        extensions=[requires("partner", "manage")],
    )
    attach_partner_tokens: PartnerPayload = strawberry.mutation(
        resolver=compliance_resolvers.attach_partner_tokens,
        extensions=[requires("partner", "manage")],
    )
    record_security_assessment: SecurityAssessmentPayload = strawberry.mutation(
        resolver=compliance_resolvers.record_security_assessment,
        extensions=[requires("partner", "assess")],
    )
    record_compliance_training: ComplianceTrainingPayload = strawberry.mutation(
        resolver=compliance_resolvers.record_compliance_training,
        extensions=[requires("compliance_training", "record")],
    )
