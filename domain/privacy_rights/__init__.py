"""Data-subject rights (P6.1.3; PIPL Arts. 44-50): a guest's requests to export, correct and
delete their own personal data, filed by the guest or by privacy staff for a verified guest,
each a row with its due date swept by a job. Encryption, blind indexes and masking of the data
itself live in `domain.personal_data`; this package finds a person's data (`footprint`),
writes it out (`export`), anonymises it (`erasure`, `scrub`) and runs the requests
(`requests`)."""

from domain.privacy_rights.requests import (
    CorrectableField,
    Correction,
    Filed,
    RequestFilter,
    RequestKind,
    RequestStatus,
    complete,
    file_request,
    is_overdue,
    list_requests,
    remind_and_escalate,
)

__all__ = [
    "CorrectableField",
    "Correction",
    "Filed",
    "RequestFilter",
    "RequestKind",
    "RequestStatus",
    "complete",
    "file_request",
    "is_overdue",
    "list_requests",
    "remind_and_escalate",
]
