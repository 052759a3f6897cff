"""Personal data at rest and on display (P6.1.2: customer information is stored with clear
boundaries of use and an access-permission matrix).

- `keys`: the field keyring (AES-256 keys by id, the first is current), configured at start.
- `cipher`: AES-256-GCM field encryption whose ciphertext names its key, keyed blind indexes
  for equality lookups, and keyed search terms for the staff's guest search.
- `fields`: Tortoise field types that encrypt on write and decrypt on read, so models keep
  plain attributes while the database holds only ciphertext.
- `classification`: the one declared registry of personal data, kind by kind and field by
  field (ORDINARY or SENSITIVE, purpose, the grant that unmasks it, how it is masked), which
  `masking` reads and tests hold against the models (every SENSITIVE field encrypted, every
  encrypted field classified).
- `masking`: who sees which kind of personal data in full, masked or not at all.
- `rotation`: re-encrypt rows under the current key after a key is added.

Reused by every area that stores personal data (guest profiles, outbox messages, later CRM
members and complaints).
"""

from domain.personal_data.cipher import (
    blind_index,
    blind_indexes,
    decrypt,
    encrypt,
    is_encrypted,
    key_id_of,
    query_words,
    search_filter_tags,
    search_terms,
    words_of,
)
from domain.personal_data.keys import FieldKeyring, configure, configured, keyring
from domain.personal_data.masking import Disclosure, PersonalData, disclosure, mask, reveal

__all__ = [
    "Disclosure",
    "FieldKeyring",
    "PersonalData",
    "blind_index",
    "blind_indexes",
    "configure",
    "configured",
    "decrypt",
    "disclosure",
    "encrypt",
    "is_encrypted",
    "key_id_of",
    "keyring",
    "mask",
    "query_words",
    "reveal",
    "search_filter_tags",
    "search_terms",
    "words_of",
]
