"""Document names YYYYMMDD-NNNN-subject and the object-key layout."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from storage import (
    ErrorCode,
    InvalidNameError,
    make_name,
    object_key,
    parse_name,
    parse_object_key,
    validate_name,
)

pytestmark = pytest.mark.policy("P3.2.4")

DAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("number", "subject", "expected"),
    [
        (42, "Meeting Minutes", "20261128-0042-meeting-minutes"),
        (1, "会议纪要", "20261128-0001-会议纪要"),
        (7, "  Café -- Straße!! ", "20261128-0007-cafe-strasse"),
        (9999, "合同 No.5 / 王先生", "20261128-9999-合同-no-5-王先生"),
        (3, "Ｑ３ Report", "20261128-0003-q3-report"),
        (3, "會議紀要", "20261128-0003-會議紀要"),
    ],
)
def test_make_name(number: int, subject: str, expected: str) -> None:
    name = make_name(DAY, number, subject)
    assert name == expected
    assert validate_name(name) == name
    assert parse_name(name) == (DAY, number, name.split("-", 2)[2])


def test_long_subjects_are_cut_to_the_limit() -> None:
    name = make_name(DAY, 1, "word " * 60)
    assert len(parse_name(name).subject) <= 80
    assert not name.endswith("-")
    validate_name(name)


@pytest.mark.parametrize(
    ("number", "subject"),
    [(0, "x"), (10000, "x"), (1, "!!!"), (1, ""), (1, "ことば")],
)
def test_make_name_refuses(number: int, subject: str) -> None:
    with pytest.raises(InvalidNameError) as caught:
        make_name(DAY, number, subject)
    assert caught.value.code == ErrorCode.INVALID_NAME


def test_make_name_wants_a_local_date_not_a_datetime() -> None:
    with pytest.raises(InvalidNameError):
        make_name(datetime(2026, 11, 28, tzinfo=UTC), 1, "x")


@pytest.mark.parametrize(
    "name",
    [
        "20261128-42-minutes",
        "20261128-0042-",
        "20261128-0000-minutes",
        "20261131-0001-minutes",
        "2026112-0001-minutes",
        "20261128-0001-Minutes",
        "20261128-0001-meeting--minutes",
        "20261128-0001--minutes",
        "20261128-0001-minutes-",
        "20261128-0001-meeting minutes",
        "20261128-0001-../../etc",
        "20261128-0001-a/b",
        "20261128-0001-" + "x" * 81,
    ],
)
def test_validate_name_rejects(name: str) -> None:
    with pytest.raises(InvalidNameError) as caught:
        validate_name(name)
    assert caught.value.code == ErrorCode.INVALID_NAME


def test_object_key_layout_round_trips() -> None:
    name = make_name(DAY, 42, "meeting minutes")
    key = object_key(3, name)
    assert key == "tier-3/2026/11/20261128-0042-meeting-minutes.enc"
    assert parse_object_key(key) == (3, name)
    chinese = object_key(1, "20261128-0001-会议纪要")
    assert chinese == "tier-1/2026/11/20261128-0001-会议纪要.enc"
    assert parse_object_key(chinese) == (1, "20261128-0001-会议纪要")


def test_object_key_refuses_bad_tiers_and_foreign_keys() -> None:
    with pytest.raises(ValueError):
        object_key(4, "20261128-0001-x")
    with pytest.raises(InvalidNameError):
        object_key(1, "not-a-name")
    for key in (
        "tier-1/2026/12/20261128-0001-x.enc",
        "tier-9/2026/11/20261128-0001-x.enc",
        "other/20261128-0001-x.enc",
    ):
        with pytest.raises(InvalidNameError):
            parse_object_key(key)
