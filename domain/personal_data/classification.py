"""The one declared classification of guest and personal data, field by field (P6.1.2: customer
information is stored with clear boundaries of use; PIPL Arts. 13-15 and 28-29 on sensitive
personal information).

Two registries, both read by the code that enforces them rather than repeated elsewhere:

- `KINDS`: each kind of personal data (`PersonalData`) with its class (ORDINARY or SENSITIVE,
  PIPL's "sensitive personal information": identity-document numbers, financial accounts,
  health, whereabouts, minors' data), the grant of the permission matrix that unmasks it, and
  how it is masked. `masking` reads it: which grant discloses a kind in full, which kinds are
  never given to third parties (every SENSITIVE kind, and the ones marked so), which cannot be
  masked and are withheld instead.
- `FIELDS`: every stored field holding personal data (model, field, class, the purpose it is
  processed for, and the kind it is masked as, or how else it is shown). A SENSITIVE field is
  stored encrypted (`fields.EncryptedTextField`) and masked for roles without its grant; every
  encrypted field is listed here. Tests hold both rules over the Tortoise models.

Auditors, administrators and legal read the registry through `personalDataClassification`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PersonalData(StrEnum):
    NAME = "NAME"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    ID_DOCUMENT = "ID_DOCUMENT"
    POINTS_BALANCE = "POINTS_BALANCE"
    VOUCHER_CODE = "VOUCHER_CODE"
    NOTE = "NOTE"  # free text about a guest (special requests)


class DataClass(StrEnum):
    """ORDINARY personal information, or SENSITIVE (PIPL Art. 28): processed only for a specific
    purpose with strict protection, stored encrypted, masked to everyone not granted it and
    never given to third parties."""

    ORDINARY = "ORDINARY"
    SENSITIVE = "SENSITIVE"


class Purpose(StrEnum):
    """What a field is processed for: its boundary of use (P6.1.2)."""

    BOOKING = "BOOKING"  # taking, serving and settling a stay
    MEMBERSHIP = "MEMBERSHIP"  # the loyalty programme and its care greetings
    ACCOUNT = "ACCOUNT"  # signing in, recovering an account, claiming bookings
    COMPLAINT_HANDLING = "COMPLAINT_HANDLING"
    MESSAGING = "MESSAGING"  # e-mails, text messages and the PMS feed on their way out
    DATA_SUBJECT_RIGHTS = "DATA_SUBJECT_RIGHTS"  # answering a guest's request (P6.1.3)
    STAFF_RECORDS = "STAFF_RECORDS"  # discipline of staff (P5.2)
    COMMUNICATION = "COMMUNICATION"  # records of internal and emergency calls (P7.1.1)


@dataclass(frozen=True)
class KindRule:
    data_class: DataClass
    # The (resource, action) of the permission matrix that discloses the kind in full.
    unmasked_by: tuple[str, str]
    # How a viewer without the grant sees it.
    masking: str
    maskable: bool = True  # False: withheld (null) instead of masked
    to_third_parties: bool = True  # False: partners never get it, not even masked

    @property
    def never_to_third_parties(self) -> bool:
        return self.data_class == DataClass.SENSITIVE or not self.to_third_parties


KINDS: dict[PersonalData, KindRule] = {
    PersonalData.NAME: KindRule(
        DataClass.ORDINARY, ("booking", "read"), "initials only (L. W.)"
    ),
    PersonalData.PHONE: KindRule(
        DataClass.ORDINARY, ("guest_contact", "read"), "prefix and last four digits"
    ),
    PersonalData.EMAIL: KindRule(
        DataClass.ORDINARY, ("guest_contact", "read"), "first letter and domain (l***@x.com)"
    ),
    PersonalData.ID_DOCUMENT: KindRule(
        DataClass.SENSITIVE, ("guest_identity", "read"), "last four characters only"
    ),
    PersonalData.POINTS_BALANCE: KindRule(
        DataClass.ORDINARY,
        ("member", "read"),
        "withheld",
        maskable=False,
        to_third_parties=False,
    ),
    PersonalData.VOUCHER_CODE: KindRule(
        DataClass.ORDINARY, ("booking", "read"), "booking number kept, secret part starred"
    ),
    PersonalData.NOTE: KindRule(DataClass.ORDINARY, ("booking", "read"), "replaced by ***"),
}


@dataclass(frozen=True)
class FieldClass:
    model: str
    field: str
    data_class: DataClass
    purpose: Purpose
    # The kind it is masked as; None when the field is not masked but shown by other rules.
    kind: PersonalData | None
    # How the field is shown when it is not masked as a kind.
    shown: str = ""
    encrypted: bool = True

    @property
    def masking(self) -> str:
        if self.kind is not None:
            return f"{self.kind.value}: {KINDS[self.kind].masking}"
        return self.shown


_RECORD = "in full to whoever may read the record, to no one else"

FIELDS: tuple[FieldClass, ...] = (
    # guests (P3.1.2)
    FieldClass("GuestProfile", "full_name", DataClass.ORDINARY, Purpose.BOOKING, PersonalData.NAME),
    FieldClass("GuestProfile", "phone", DataClass.ORDINARY, Purpose.BOOKING, PersonalData.PHONE),
    FieldClass("GuestProfile", "email", DataClass.ORDINARY, Purpose.BOOKING, PersonalData.EMAIL),
    FieldClass(
        "GuestProfile",
        "id_document_number",
        DataClass.SENSITIVE,
        Purpose.BOOKING,
        PersonalData.ID_DOCUMENT,
    ),
    FieldClass(
        "Booking",
        "special_requests",
        DataClass.ORDINARY,
        Purpose.BOOKING,
        PersonalData.NOTE,
        encrypted=False,
    ),
    FieldClass(
        "Booking",
        "voucher_code",
        DataClass.ORDINARY,
        Purpose.BOOKING,
        PersonalData.VOUCHER_CODE,
        encrypted=False,
    ),
    # members (P3.1.7-P3.1.11)
    FieldClass(
        "Member",
        "points_balance",
        DataClass.ORDINARY,
        Purpose.MEMBERSHIP,
        PersonalData.POINTS_BALANCE,
        encrypted=False,
    ),
    FieldClass(
        "Member",
        "birth_month",
        DataClass.ORDINARY,
        Purpose.MEMBERSHIP,
        None,
        "to the member and to the roles granted guest contact data, never to partners",
        encrypted=False,
    ),
    FieldClass(
        "Member",
        "birth_day",
        DataClass.ORDINARY,
        Purpose.MEMBERSHIP,
        None,
        "to the member and to the roles granted guest contact data, never to partners",
        encrypted=False,
    ),
    # accounts
    FieldClass(
        "Account",
        "email",
        DataClass.ORDINARY,
        Purpose.ACCOUNT,
        None,
        "the log-in name: to the account holder and to staff administering accounts",
        encrypted=False,
    ),
    FieldClass("Account", "phone", DataClass.ORDINARY, Purpose.ACCOUNT, PersonalData.PHONE),
    FieldClass(
        "AccountToken",
        "details",
        DataClass.ORDINARY,
        Purpose.ACCOUNT,
        None,
        "never through the API (the pending sign-up or claim a token carries)",
    ),
    # complaints (P3.1.6)
    FieldClass(
        "Complaint", "contact_name", DataClass.ORDINARY, Purpose.COMPLAINT_HANDLING,
        PersonalData.NAME,
    ),
    FieldClass(
        "Complaint", "contact_phone", DataClass.ORDINARY, Purpose.COMPLAINT_HANDLING,
        PersonalData.PHONE,
    ),
    FieldClass(
        "Complaint", "description", DataClass.ORDINARY, Purpose.COMPLAINT_HANDLING, None, _RECORD
    ),
    FieldClass(
        "Complaint", "resolution", DataClass.ORDINARY, Purpose.COMPLAINT_HANDLING, None, _RECORD
    ),
    FieldClass(
        "Complaint",
        "satisfaction_comment",
        DataClass.ORDINARY,
        Purpose.COMPLAINT_HANDLING,
        None,
        _RECORD,
    ),
    FieldClass(
        "ComplaintEvent",
        "note",
        DataClass.ORDINARY,
        Purpose.COMPLAINT_HANDLING,
        None,
        _RECORD + " (internal notes to staff only)",
    ),
    # messages on their way out (P3.1.3, P7.1.1)
    FieldClass(
        "OutboxEvent",
        "payload",
        DataClass.ORDINARY,
        Purpose.MESSAGING,
        None,
        "each personal payload key masked as its kind (domain/outbox_privacy.py)",
    ),
    # a guest's own requests about their data (P6.1.3)
    FieldClass(
        "DataSubjectRequest", "corrections", DataClass.ORDINARY,
        Purpose.DATA_SUBJECT_RIGHTS, None,
        "to the guest and privacy staff deciding the request; cleared once it is decided",
    ),
    # staff discipline (P5.2.4)
    FieldClass(
        "StaffBlacklistEntry", "id_document_number", DataClass.SENSITIVE,
        Purpose.STAFF_RECORDS, PersonalData.ID_DOCUMENT,
    ),
    # emergency and internal phone calls (P7.1.1)
    FieldClass("PhoneCall", "caller_name", DataClass.ORDINARY, Purpose.COMMUNICATION, None,
               _RECORD),
    FieldClass("PhoneCall", "callee_name", DataClass.ORDINARY, Purpose.COMMUNICATION, None,
               _RECORD),
    FieldClass("PhoneCall", "subject", DataClass.ORDINARY, Purpose.COMMUNICATION, None, _RECORD),
    FieldClass("PhoneCall", "outcome", DataClass.ORDINARY, Purpose.COMMUNICATION, None, _RECORD),
)


def kind_rule(kind: PersonalData) -> KindRule:
    return KINDS[kind]


def fields_of_class(data_class: DataClass) -> list[FieldClass]:
    return [entry for entry in FIELDS if entry.data_class == data_class]
