"""Object stores the archive writes ciphertext to: a local folder and any S3-compatible bucket.

Policy: P3.2.3 (retention), P3.2.5 (two isolated stores).
"""

from .base import Backend, ObjectInfo, ReadStream
from .local import LocalBackend
from .s3 import S3Backend, S3Config, create_bucket, make_client

__all__ = [
    "Backend",
    "LocalBackend",
    "ObjectInfo",
    "ReadStream",
    "S3Backend",
    "S3Config",
    "create_bucket",
    "make_client",
]
