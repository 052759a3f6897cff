"""Personal data encrypted at field level (P6.1.2): guest names, phones, e-mails and identity
document numbers become AES-256-GCM ciphertext with keyed blind indexes and search terms, and
outbox payloads are encrypted. Existing rows are encrypted in this migration (the field keys
must be configured, as `hotel migrate` and the server do); on SQLite, secure_delete is on while
it runs so the plaintext it replaces (rows, dropped indexes) is overwritten, and the WAL is
checkpointed into the file when the migration's connection closes (`server.db.migrate`)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from domain.personal_data.fields import EncryptedJSONField, EncryptedTextField
from domain import personal_data
from json import dumps, loads
from tortoise import fields


# As the model stood when this migration was written: field -> (kind, blind index column).
_INDEXES = {
    "phone": ("phone", "phone_index"),
    "email": ("email", "email_index"),
    "id_document_number": ("id_document", "id_document_index"),
}
_SEARCHED = {"full_name": "name", "email": "email", "phone": "phone"}
_ENCRYPTED = ("full_name", "phone", "email", "id_document_number")


class AlterFieldKeepingTable(ops.AlterField):
    """AlterField, except on SQLite: there a column's declared type is only an affinity and
    Tortoise would remake the whole table, which foreign keys pointing at it (members and
    bookings at guest profiles) refuse. The column stays, only its plaintext index goes."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None):
        if not state_editor or state_editor.client.capabilities.dialect != "sqlite":
            return await super().database_forward(app_label, old_state, new_state, state_editor)
        model = old_state.apps.get_model(f"{app_label}.{self.model_name}")
        table = model._meta.db_table
        column = model._meta.fields_map[self.name].source_field or self.name
        client = state_editor.client
        for index in await client.execute_query_dict(f'PRAGMA index_list("{table}")'):
            columns = await client.execute_query_dict(f'PRAGMA index_info("{index["name"]}")')
            if index["origin"] == "c" and [c["name"] for c in columns] == [column]:
                await client.execute_script(f'DROP INDEX "{index["name"]}";')


async def overwrite_freed_content(apps, schema_editor):
    """SQLite keeps deleted cells and dropped indexes in free pages: have them zeroed, so the
    plaintext this migration replaces does not stay in the file."""
    if schema_editor.client.capabilities.dialect == "sqlite":
        await schema_editor.client.execute_script("PRAGMA secure_delete = ON;")


def _placeholders(client, count):
    if client.capabilities.dialect == "sqlite":
        return ["?"] * count
    return [f"${n}" for n in range(1, count + 1)]


def _require_keys():
    if not personal_data.configured():
        raise RuntimeError(
            "encrypting existing personal data needs the field keys: run `hotel migrate` "
            "(or start the server), which configure them from FIELD_KEYS / ARCHIVE_KEYS"
        )


async def encrypt_legacy_rows(apps, schema_editor):
    """Encrypt guest profiles and outbox payloads written before this migration."""
    client = schema_editor.client
    profiles = await client.execute_query_dict(
        "SELECT id, full_name, phone, email, id_document_number FROM guest_profile"
    )
    for row in profiles:
        if all(row[name] is None or personal_data.is_encrypted(row[name]) for name in _ENCRYPTED):
            continue
        _require_keys()
        plain = {name: personal_data.decrypt(row[name], f"guest_profile.{name}") if row[name] is not None else None for name in _ENCRYPTED}
        values = {name: None if plain[name] is None else personal_data.encrypt(plain[name], f"guest_profile.{name}") for name in _ENCRYPTED}
        for name, (kind, column) in _INDEXES.items():
            values[column] = personal_data.blind_index(kind, plain[name])
        values["search_terms"] = personal_data.search_terms(
            word for name, kind in _SEARCHED.items() for word in personal_data.words_of(kind, plain[name])
        )
        columns = list(values)
        marks = _placeholders(client, len(columns) + 1)
        assignments = ", ".join(f'"{column}" = {mark}' for column, mark in zip(columns, marks[:-1], strict=True))
        await client.execute_query(
            f'UPDATE "guest_profile" SET {assignments} WHERE "id" = {marks[-1]}',
            [*(values[c] for c in columns), row["id"]],
        )
    events = await client.execute_query_dict("SELECT id, payload FROM outbox_event")
    for row in events:
        payload = row["payload"]
        document = loads(payload) if isinstance(payload, (str, bytes)) else payload
        if document is None or personal_data.is_encrypted(document):
            continue
        _require_keys()
        sealed = dumps(personal_data.encrypt(dumps(document), "outbox_event.payload"))
        marks = _placeholders(client, 2)
        await client.execute_query(
            f'UPDATE "outbox_event" SET "payload" = {marks[0]} WHERE "id" = {marks[1]}',
            [sealed, row["id"]],
        )


class Migration(migrations.Migration):
    dependencies = [('models', '0002_audit_seals')]

    initial = False

    operations = [
        ops.RunPython(overwrite_freed_content, ops.RunPython.noop),
        AlterFieldKeepingTable(
            model_name='GuestProfile',
            name='email',
            field=EncryptedTextField(null=True, unique=False),
        ),
        AlterFieldKeepingTable(
            model_name='GuestProfile',
            name='full_name',
            field=EncryptedTextField(unique=False),
        ),
        AlterFieldKeepingTable(
            model_name='GuestProfile',
            name='id_document_number',
            field=EncryptedTextField(null=True, unique=False),
        ),
        AlterFieldKeepingTable(
            model_name='GuestProfile',
            name='phone',
            field=EncryptedTextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='GuestProfile',
            name='email_index',
            field=fields.CharField(null=True, db_index=True, max_length=32),
        ),
        ops.AddField(
            model_name='GuestProfile',
            name='id_document_index',
            field=fields.CharField(null=True, db_index=True, max_length=32),
        ),
        ops.AddField(
            model_name='GuestProfile',
            name='phone_index',
            field=fields.CharField(null=True, db_index=True, max_length=32),
        ),
        ops.AddField(
            model_name='GuestProfile',
            name='search_terms',
            field=fields.TextField(null=True, default='', unique=False),
        ),
        AlterFieldKeepingTable(
            model_name='OutboxEvent',
            name='payload',
            field=EncryptedJSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.RunPython(encrypt_legacy_rows),
    ]
