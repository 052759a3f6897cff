"""The field-by-field classification of personal data drives its encryption and masking
(P6.1.2; PIPL Art. 28): every SENSITIVE field is stored encrypted and masked (or withheld) for
every role the permission matrix does not grant its kind; every encrypted field of every model
is classified; masking reads the same registry; auditors, administrators and legal read it
through the API, other roles are refused."""

from __future__ import annotations

import pytest
from tortoise import Tortoise

from authz.enforcer import Access, enforcer
from authz.identity import GUEST_ROLE, STAFF_ROLES, Identity, Kind
from domain.personal_data import Disclosure, disclosure, mask, masking, reveal
from domain.personal_data.classification import FIELDS, KINDS, DataClass, PersonalData
from domain.personal_data.fields import EncryptedJSONField, EncryptedTextField
from tests.bookings.booking_support import GUEST, book, make_hotel

ENCRYPTED = (EncryptedTextField, EncryptedJSONField)
CLASSIFICATION = """{ personalDataClassification {
  kinds { kind dataClass unmaskedBy masking maskable toThirdParties }
  fields { model field dataClass purpose kind masking encrypted } } }"""
SAMPLES = {
    PersonalData.NAME: "Li Wei",
    PersonalData.PHONE: "+8613800138000",
    PersonalData.EMAIL: "li.wei@example.com",
    PersonalData.ID_DOCUMENT: "110101199003070011",
    PersonalData.POINTS_BALANCE: "1200",
    PersonalData.VOUCHER_CODE: "B20261128-7K3QX.ABCDEFGHIJKLMNOP",
    PersonalData.NOTE: "Wheelchair access, peanut allergy",
}


def _models() -> dict[str, type]:
    return {model.__name__: model for model in Tortoise.apps["models"].values()}


def _field(model: type, name: str):
    return model._meta.fields_map[name]


def test_every_classified_field_exists_and_says_truly_whether_it_is_encrypted():
    models = _models()
    for entry in FIELDS:
        assert entry.model in models, entry
        field = _field(models[entry.model], entry.field)
        assert isinstance(field, ENCRYPTED) == entry.encrypted, entry


@pytest.mark.policy("P6.1.2")
def test_no_encrypted_personal_field_is_missing_from_the_registry():
    declared = {(entry.model, entry.field) for entry in FIELDS}
    encrypted = {
        (name, field_name)
        for name, model in _models().items()
        for field_name, field in model._meta.fields_map.items()
        if isinstance(field, ENCRYPTED)
    }
    assert encrypted, "the models hold encrypted fields"
    assert encrypted - declared == set(), "classify every encrypted field in FIELDS"


@pytest.mark.policy("P6.1.2")
def test_every_sensitive_field_is_encrypted_and_masked_as_a_sensitive_kind():
    sensitive = [entry for entry in FIELDS if entry.data_class == DataClass.SENSITIVE]
    assert {(e.model, e.field) for e in sensitive} >= {("GuestProfile", "id_document_number")}
    models = _models()
    for entry in sensitive:
        assert isinstance(_field(models[entry.model], entry.field), ENCRYPTED), entry
        assert entry.kind is not None, f"{entry} must be masked as a kind"
        assert KINDS[entry.kind].data_class == DataClass.SENSITIVE, entry


@pytest.mark.policy("P6.1.2")
async def test_roles_without_the_unmask_grant_never_see_a_sensitive_kind_in_full():
    sensitive = [k for k, rule in KINDS.items() if rule.data_class == DataClass.SENSITIVE]
    checked = 0
    for kind in sensitive:
        resource, action = KINDS[kind].unmasked_by
        value = SAMPLES[kind]
        for role in (*STAFF_ROLES, GUEST_ROLE):
            who = Identity(kind=Kind.STAFF, id=1, roles=(role,), display_name=role)
            access = await enforcer.decide(who, resource, action)
            how = disclosure(kind, granted=access == Access.ALL)
            if access == Access.ALL:
                assert how == Disclosure.FULL
                continue
            checked += 1
            assert how != Disclosure.FULL, (kind, role)
            shown = reveal(kind, value, how)
            assert shown != value and (shown is None or value not in shown), (kind, role)
        # Partners never get a sensitive kind, not even masked.
        assert disclosure(kind, granted=False, third_party=True) == Disclosure.WITHHELD
    assert checked > 0


def test_masking_reads_the_registry():
    assert masking.RESOURCE == {kind: rule.unmasked_by for kind, rule in KINDS.items()}
    assert set(KINDS) == set(PersonalData)
    for kind, rule in KINDS.items():
        third_party = disclosure(kind, granted=False, third_party=True)
        assert (third_party == Disclosure.WITHHELD) == (
            rule.never_to_third_parties or not rule.maskable
        ), kind
        if rule.maskable:
            assert mask(kind, SAMPLES[kind]) != SAMPLES[kind], kind


@pytest.mark.policy("P6.1.2")
async def test_a_sensitive_field_reaches_the_api_masked_for_roles_without_its_grant(gql, person):
    hotel = await make_hotel(nights=20)
    agent = await person("booking_agent")
    number = "110101199003070011"
    booking = await book(gql, agent.token, hotel.std, guest={**GUEST, "idDocumentNumber": number})
    query = """query($n: String!) { booking(number: $n) { guest { idDocumentNumber } } }"""
    for role in ("cs_rep", "finance", "auditor"):
        reply = await gql(query, {"n": booking["number"]}, token=(await person(role)).token)
        assert reply.data["booking"]["guest"]["idDocumentNumber"] == "*" * 14 + "0011", role
    reply = await gql(query, {"n": booking["number"]}, token=agent.token)
    assert reply.data["booking"]["guest"]["idDocumentNumber"] == number


@pytest.mark.policy("P6.1.2")
async def test_auditors_admins_and_legal_read_the_classification(gql, person):
    for role in ("auditor", "admin", "legal"):
        reply = await gql(CLASSIFICATION, token=(await person(role)).token)
        assert reply.errors == [], reply.errors
        found = reply.data["personalDataClassification"]
        kinds = {k["kind"]: k for k in found["kinds"]}
        assert kinds["ID_DOCUMENT"]["dataClass"] == "SENSITIVE"
        assert kinds["ID_DOCUMENT"]["unmaskedBy"] == "guest_identity:read"
        assert kinds["ID_DOCUMENT"]["toThirdParties"] is False
        assert kinds["PHONE"]["toThirdParties"] is True
        fields = {(f["model"], f["field"]): f for f in found["fields"]}
        assert fields[("GuestProfile", "id_document_number")] == {
            "model": "GuestProfile",
            "field": "id_document_number",
            "dataClass": "SENSITIVE",
            "purpose": "BOOKING",
            "kind": "ID_DOCUMENT",
            "masking": "ID_DOCUMENT: last four characters only",
            "encrypted": True,
        }
        assert len(fields) == len(FIELDS)


async def test_other_roles_guests_and_partners_are_refused_the_classification(
    gql, person, partner
):
    for role in ("booking_agent", "cs_rep", "hr", "data_analyst"):
        reply = await gql(CLASSIFICATION, token=(await person(role)).token)
        assert reply.error_codes == ["FORBIDDEN"], role
    guest = await person(kind="GUEST")
    assert (await gql(CLASSIFICATION, token=guest.token)).error_codes == ["FORBIDDEN"]
    _, secret = await partner(["bookings:read"])
    assert (await gql(CLASSIFICATION, token=secret)).error_codes == ["FORBIDDEN"]
    assert (await gql(CLASSIFICATION)).error_codes == ["UNAUTHENTICATED"]
