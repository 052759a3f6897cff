"""Electronic signatures of records (P3.2.1 Electronic Signature Law, P4.2.5 sign-off): signing
keys whose private half only the signer can unlock, and the signatures made with them."""

from __future__ import annotations

from tortoise import fields

from domain.models.base import TimestampedModel


class SigningKey(TimestampedModel):
    """An Ed25519 key pair of one person. The private key is stored encrypted with AES-256-GCM
    under a key derived by scrypt from a passphrase only the signer knows. A replaced key is
    retired, never deleted, so earlier signatures stay verifiable."""

    account = fields.ForeignKeyField(
        "models.Account", related_name="signing_keys", on_delete=fields.RESTRICT
    )
    public_key = fields.CharField(max_length=64)
    fingerprint = fields.CharField(max_length=64, unique=True)
    encrypted_private_key = fields.CharField(max_length=128)
    nonce = fields.CharField(max_length=32)
    salt = fields.CharField(max_length=48)
    scrypt_n = fields.IntField()
    scrypt_r = fields.IntField()
    scrypt_p = fields.IntField()
    retired_at = fields.DatetimeField(null=True)

    class Meta:
        table = "signing_key"


class Signature(TimestampedModel):
    """A signature over the SHA-256 of a record content plus canonical metadata (record type and
    id, signer, key, time and meaning). The signed message is kept verbatim."""

    record_type = fields.CharField(max_length=40)
    record_id = fields.CharField(max_length=60)
    signer = fields.ForeignKeyField(
        "models.Account", related_name="signatures", on_delete=fields.RESTRICT
    )
    signing_key = fields.ForeignKeyField(
        "models.SigningKey", related_name="signatures", on_delete=fields.RESTRICT
    )
    meaning = fields.CharField(max_length=40)
    content_sha256 = fields.CharField(max_length=64)
    signed_at = fields.DatetimeField()
    message = fields.TextField()
    signature = fields.CharField(max_length=128)

    class Meta:
        table = "signature"
        indexes = (("record_type", "record_id"),)
