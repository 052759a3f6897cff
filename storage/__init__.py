"""The tiered, encrypted, replicated document archive (a pure library: imports nothing of ours).

The domain layer builds one ``Archive`` from a ``Keyring`` (``ARCHIVE_KEYS``) and two stores
(``LocalBackend`` folders or ``S3Backend`` buckets) and calls it from a worker thread; names
come from ``make_name``, keys from ``object_key``, failures are ``StorageError`` with a ``code``.

Policy: P3.2.1 (AES-256 encryption, legal tier), P3.2.2 (customer files), P3.2.3 (work-record
retention), P3.2.4 (naming), P3.2.5 (two isolated copies).
"""

from .archive import DEFAULT_BACKUP_TIERS, Archive, PlaintextStream
from .backends import (
    Backend,
    LocalBackend,
    ObjectInfo,
    ReadStream,
    S3Backend,
    S3Config,
    create_bucket,
    make_client,
)
from .crypto import (
    DEFAULT_CHUNK_SIZE,
    Header,
    decrypt,
    decrypt_bytes,
    encrypt,
    encrypt_bytes,
    read_header,
    rewrap,
)
from .errors import (
    AlreadyExistsError,
    BackendUnavailableError,
    ErrorCode,
    InvalidKeyringError,
    InvalidNameError,
    NotFoundError,
    RetentionLockedError,
    StorageError,
    TamperedError,
    UnknownKeyIdError,
    WrongKeyError,
)
from .keyring import Keyring
from .naming import (
    TIERS,
    DocumentName,
    make_name,
    object_key,
    parse_name,
    parse_object_key,
    slugify,
    validate_name,
)
from .reports import (
    ArchiveRecord,
    Failure,
    RepairResult,
    ReplicaReport,
    ReplicaState,
    ReplicaStatus,
    RestoreResult,
    RotatedObject,
    RotationResult,
)

__all__ = [
    "DEFAULT_BACKUP_TIERS",
    "DEFAULT_CHUNK_SIZE",
    "TIERS",
    "AlreadyExistsError",
    "Archive",
    "ArchiveRecord",
    "Backend",
    "BackendUnavailableError",
    "DocumentName",
    "ErrorCode",
    "Failure",
    "Header",
    "InvalidKeyringError",
    "InvalidNameError",
    "Keyring",
    "LocalBackend",
    "NotFoundError",
    "ObjectInfo",
    "PlaintextStream",
    "ReadStream",
    "RepairResult",
    "ReplicaReport",
    "ReplicaState",
    "ReplicaStatus",
    "RestoreResult",
    "RetentionLockedError",
    "RotatedObject",
    "RotationResult",
    "S3Backend",
    "S3Config",
    "StorageError",
    "TamperedError",
    "UnknownKeyIdError",
    "WrongKeyError",
    "create_bucket",
    "decrypt",
    "decrypt_bytes",
    "encrypt",
    "encrypt_bytes",
    "make_client",
    "make_name",
    "object_key",
    "parse_name",
    "parse_object_key",
    "read_header",
    "rewrap",
    "slugify",
    "validate_name",
]
