from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditSeal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.IntField(unique=True)),
                ('first_entry_id', fields.IntField()),
                ('last_entry_id', fields.IntField()),
                ('entry_count', fields.IntField()),
                ('gaps', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('legacy_through', fields.IntField(default=0)),
                ('merkle_root', fields.CharField(max_length=64)),
                ('prev_seal_hash', fields.CharField(max_length=64)),
                ('seal_hash', fields.CharField(unique=True, max_length=64)),
                ('sealed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('key_id', fields.CharField(max_length=64)),
                ('signature', fields.CharField(max_length=128)),
                ('document', fields.ForeignKeyField('models.Document', source_field='document_id', null=True, db_constraint=True, to_field='id', related_name='audit_seals', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'audit_seal', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A sealed batch of audit entries: the Merkle root of their MACs over an id range, linked'},
            bases=['Model'],
        ),
        ops.AlterModelOptions(
            name='AuditEntry',
            options={'table': 'audit_entry', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One audited action. The MAC covers the id and every field under a key kept outside the'},
        ),
        ops.RenameField(
            model_name='AuditEntry',
            old_name='hash',
            new_name='mac',
        ),
        ops.AddField(
            model_name='AuditEntry',
            name='key_id',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.RemoveField(model_name='AuditEntry', name='prev_hash'),
        ops.RemoveField(model_name='AuditEntry', name='seq'),
        ops.DeleteModel(name='AuditChainHead'),
    ]
