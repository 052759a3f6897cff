"""Listing documents: the filters of the `documents` query, always limited to the tiers the
caller may see.

Policy: P3.2.2 and P6.1.2 (customer files visible only to authorised roles).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from domain.documents.kinds import Status
from domain.models import Document


@dataclass(frozen=True)
class DocumentFilter:
    tier: int | None = None
    kind: str | None = None
    related_subject_type: str | None = None
    related_subject_id: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str | None = Status.ACTIVE
    legal_review_status: str | None = None


def documents(
    all_tiers: list[int],
    own_tiers: list[int],
    account_id: int | None,
    criteria: DocumentFilter | None,
) -> QuerySet[Document]:
    """Documents of `all_tiers`, plus the caller's own uploads in `own_tiers`, filtered."""
    visible = Q(tier__in=all_tiers or [0])
    if own_tiers and account_id is not None:
        visible |= Q(tier__in=own_tiers, uploaded_by_account_id=account_id)
    query = Document.filter(visible)
    if criteria is None:
        return query.filter(status=Status.ACTIVE)
    conditions = {
        "tier": criteria.tier,
        "kind": criteria.kind,
        "related_subject_type": criteria.related_subject_type,
        "related_subject_id": criteria.related_subject_id,
        "document_date__gte": criteria.date_from,
        "document_date__lte": criteria.date_to,
        "status": criteria.status,
        "legal_review_status": criteria.legal_review_status,
    }
    return query.filter(**{k: v for k, v in conditions.items() if v is not None})
