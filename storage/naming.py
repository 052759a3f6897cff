"""Document names (``YYYYMMDD-NNNN-subject``) and the object-key layout of the archive.

A name carries the document date, its number within that day and a subject slug, e.g.
``20261128-0042-meeting-minutes`` or ``20261128-0001-会议纪要``. Subjects keep Chinese characters
as they are; Latin letters are lower-cased and stripped of accents; every other run of
characters becomes one hyphen. The same rules make ``validate_name`` accept exactly what
``make_name`` produces, so a name round-trips through any system that stores it.

Object keys put the tier first (so a tier can be listed, replicated or purged on its own) and
the year and month next (P3.2.3 archives work records monthly)::

    tier-1/2026/11/20261128-0042-meeting-minutes.enc

Policy: P3.2.4 (file names contain date, number and subject), P3.2.1-P3.2.3 (the tier is part
of every key), P3.2.3 (monthly archive layout).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import NamedTuple

from .errors import InvalidNameError

TIERS: tuple[int, ...] = (1, 2, 3)
MAX_NUMBER = 9999
MAX_SUBJECT_LENGTH = 80
KEY_SUFFIX = ".enc"

_NAME_RE = re.compile(r"(\d{4})(\d{2})(\d{2})-(\d{4})-(.+)")
_KEY_RE = re.compile(r"tier-(\d+)/(\d{4})/(\d{2})/([^/]+)" + re.escape(KEY_SUFFIX))


class DocumentName(NamedTuple):
    date: date
    number: int
    subject: str

    def __str__(self) -> str:
        d = self.date
        return f"{d.year:04d}{d.month:02d}{d.day:02d}-{self.number:04d}-{self.subject}"


# Letters NFKD cannot decompose into ASCII, spelled the way they are usually transliterated.
_TRANSLITERATE = {
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "đ": "d",
    "ł": "l",
    "þ": "th",
    "ð": "d",
}


def _is_chinese(char: str) -> bool:
    # Unicode names every unified ideograph (all extensions) this way; no range table to age.
    return unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH")


def _is_slug_char(char: str) -> bool:
    return ("a" <= char <= "z") or ("0" <= char <= "9") or _is_chinese(char)


def slugify(subject: str) -> str:
    """Subject text to its slug; may return ``""`` when nothing nameable is left."""
    if not isinstance(subject, str):
        raise InvalidNameError("the subject must be text")
    # NFKC folds full-width Latin and digits and compatibility ideographs to their plain forms.
    text = unicodedata.normalize("NFKC", subject)
    out: list[str] = []
    pending_separator = False
    for char in text:
        if _is_chinese(char):
            kept = char
        else:
            lowered = char.lower()
            lowered = _TRANSLITERATE.get(lowered, lowered)
            ascii_form = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
            kept = "".join(c for c in ascii_form if _is_slug_char(c))
        if not kept:
            pending_separator = True
            continue
        if pending_separator and out:
            out.append("-")
        pending_separator = False
        out.append(kept)
    slug = "".join(out)
    if len(slug) > MAX_SUBJECT_LENGTH:
        slug = slug[:MAX_SUBJECT_LENGTH].rstrip("-")
    return slug


def _check_date(value: date) -> date:
    # A datetime would be silently cut to its UTC or local day; the caller must choose which.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidNameError("the document date must be a datetime.date (the hotel-local day)")
    if not 1 <= value.year <= 9999:
        raise InvalidNameError("the document date is out of range")
    return value


def _check_number(number: int) -> int:
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidNameError("the document number must be an int")
    if not 1 <= number <= MAX_NUMBER:
        raise InvalidNameError(f"the document number must be between 1 and {MAX_NUMBER}")
    return number


def make_name(document_date: date, number: int, subject: str) -> str:
    """Build ``YYYYMMDD-NNNN-subject``; raises ``INVALID_NAME`` if the subject has no content."""
    _check_date(document_date)
    _check_number(number)
    slug = slugify(subject)
    if not slug:
        raise InvalidNameError(
            "the subject has no letters, digits or Chinese characters to name the document by"
        )
    return str(DocumentName(document_date, number, slug))


def parse_name(name: str) -> DocumentName:
    """Split a valid name into its parts; raises ``INVALID_NAME`` with the reason otherwise."""
    if not isinstance(name, str):
        raise InvalidNameError("a document name must be text")
    match = _NAME_RE.fullmatch(name)
    if not match:
        raise InvalidNameError(f"{name!r} is not of the form YYYYMMDD-NNNN-subject")
    year, month, day, number, subject = match.groups()
    try:
        document_date = date(int(year), int(month), int(day))
    except ValueError:
        raise InvalidNameError(f"{name!r} carries an impossible date") from None
    _check_number(int(number))
    if len(subject) > MAX_SUBJECT_LENGTH:
        raise InvalidNameError(f"the subject is longer than {MAX_SUBJECT_LENGTH} characters")
    parts = subject.split("-")
    if any(not part or not all(_is_slug_char(c) for c in part) for part in parts):
        raise InvalidNameError(
            f"subject {subject!r} must be lower-case letters, digits or Chinese characters "
            "in words joined by single hyphens (use make_name to build it)"
        )
    return DocumentName(document_date, int(number), subject)


def validate_name(name: str) -> str:
    """Return ``name`` unchanged if it is a valid document name, else raise ``INVALID_NAME``."""
    parse_name(name)
    return name


def _year_month(value: date) -> str:
    return f"{value.year:04d}/{value.month:02d}"


def validate_tier(tier: int) -> int:
    if isinstance(tier, bool) or tier not in TIERS:
        raise ValueError(f"tier must be one of {TIERS}, got {tier!r}")
    return tier


def object_key(tier: int, name: str) -> str:
    """The archive key of document ``name`` in ``tier``."""
    validate_tier(tier)
    parsed = parse_name(name)
    return f"tier-{tier}/{_year_month(parsed.date)}/{name}{KEY_SUFFIX}"


def parse_object_key(key: str) -> tuple[int, str]:
    """Inverse of ``object_key``: ``(tier, name)``; raises ``INVALID_NAME`` for foreign keys."""
    match = _KEY_RE.fullmatch(key) if isinstance(key, str) else None
    if not match:
        raise InvalidNameError(f"{key!r} is not an archive object key")
    tier_text, year, month, name = match.groups()
    parsed = parse_name(name)
    tier = int(tier_text)
    if tier not in TIERS or _year_month(parsed.date) != f"{year}/{month}":
        raise InvalidNameError(f"{key!r} does not match the archive key layout")
    return tier, name
