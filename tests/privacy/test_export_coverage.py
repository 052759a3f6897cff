"""Every table that links to a guest is part of their export or left out with a reason
(P6.1.3, PIPL Art. 45): the models are read from Tortoise, so a table added later with a link to
an account, member, guest profile or booking fails here until it is classified."""

from __future__ import annotations

from tortoise import Tortoise

from domain.privacy_rights.export import EXPORTED_MODELS, NOT_EXPORTED_MODELS

# Columns through which a row belongs to a guest.
LINKS = {
    "account_id",
    "member_id",
    "guest_id",
    "guest_profile_id",
    "guest_account_id",
    "subject_account_id",
    "claimed_by_account_id",
    "booking_id",
    "complaint_id",
    "lot_id",
}


def linked_models() -> set[str]:
    return {
        model.__name__
        for model in Tortoise.apps["models"].values()
        if LINKS & set(model._meta.fields_db_projection)
    }


def test_every_model_linked_to_a_guest_is_exported_or_left_out_with_a_reason():
    linked = linked_models()
    unclassified = linked - EXPORTED_MODELS - set(NOT_EXPORTED_MODELS)
    assert unclassified == set(), f"classify in domain/privacy_rights/export.py: {unclassified}"
    assert not EXPORTED_MODELS & set(NOT_EXPORTED_MODELS)
    assert all(reason.strip() for reason in NOT_EXPORTED_MODELS.values())
    known = {model.__name__ for model in Tortoise.apps["models"].values()}
    assert EXPORTED_MODELS | set(NOT_EXPORTED_MODELS) <= known
