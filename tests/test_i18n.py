"""Messages in the reader's language (issue 8, "speaks the guest's language"): one catalogue per
language, chosen by the account's saved preference or Accept-Language, codes unchanged, and a
test that fails when a message in the code lacks a translation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from i18n_extract import all_messages

from domain import i18n
from domain.models import Account
from domain.reports.periods import Period, Window
from domain.reports.registry import Section, SectionContent, Table
from domain.reports.render import render_report

LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  accessToken errors { code message } } }"""
SET_LANGUAGE = """mutation($l: String!) { setPreferredLanguage(input: {language: $l}) {
  viewer { language } errors { field code message } } }"""


def test_every_message_in_the_code_has_a_chinese_translation():
    catalogue = i18n.catalogue(i18n.CHINESE)
    messages = all_messages()
    assert len(messages) > 150  # the extractor really found the code's messages
    missing = {m: sorted(files) for m, files in messages.items() if m not in catalogue}
    assert not missing, f"add these to domain/i18n/zh_CN.json: {missing}"
    placeholders = re.compile(r"\{[^{}]+\}")
    for english, chinese in catalogue.items():
        assert sorted(placeholders.findall(english)) == sorted(placeholders.findall(chinese)), (
            english
        )


def test_accept_language_is_negotiated_by_quality():
    assert i18n.negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh-CN"
    assert i18n.negotiate("fr-FR, en-GB;q=0.7, zh-TW;q=0.5") == "en"
    assert i18n.negotiate("en;q=0.2, zh-Hans;q=0.9") == "zh-CN"
    assert i18n.negotiate("fr, de") == i18n.default_language()
    assert i18n.negotiate("en", preferred="zh-CN") == "zh-CN"
    assert i18n.negotiate(None) == i18n.default_language()


def test_a_message_with_values_is_translated_with_its_values():
    assert (
        i18n.translate("Deluxe King takes 1 to 2 guests.", "zh-CN")
        == "Deluxe King 可容纳 1 至 2 位客人。"
    )
    assert i18n.translate("Something no catalogue knows.", "zh-CN") == (
        "Something no catalogue knows."
    )
    assert i18n.format_money(Decimal("1234.5"), "CNY", "zh-CN") == "¥1,234.50"
    assert i18n.format_date(dt.date(2026, 12, 15), "zh-CN") == "2026年12月15日"


async def test_payload_and_top_level_errors_follow_accept_language(gql, person):
    await person("booking_agent")
    chinese = {"Accept-Language": "zh-CN,zh;q=0.9"}
    wrong = await gql(LOGIN, {"e": "nobody@test.hotel", "p": "wrong-password"}, headers=chinese)
    [error] = wrong.data["login"]["errors"]
    assert error == {"code": "INVALID_CREDENTIALS", "message": "电子邮箱或密码错误。"}
    english = await gql(LOGIN, {"e": "nobody@test.hotel", "p": "wrong-password"})
    assert english.data["login"]["errors"][0]["message"] == "Wrong e-mail or password."

    anonymous = await gql("{ bookings(first: 1) { totalCount } }", headers=chinese)
    assert anonymous.error_codes == ["UNAUTHENTICATED"]
    assert anonymous.errors[0]["message"] == "请先登录。"
    bad_token = await gql("{ me { displayName } }", token="not-a-token", headers=chinese)
    assert bad_token.status == 401 and bad_token.errors[0]["message"] == "访问令牌无效。"


async def test_a_saved_language_wins_over_the_header_and_is_validated(gql, person):
    guest = await person(kind="GUEST")
    saved = await gql(SET_LANGUAGE, {"l": "zh-Hans-CN"}, token=guest.token)
    assert saved.data["setPreferredLanguage"] == {"viewer": {"language": "zh-CN"}, "errors": []}
    assert (await Account.get(id=guest.account.id)).language == "zh-CN"
    me = await gql("{ me { language } }", token=guest.token, headers={"Accept-Language": "en"})
    assert me.data["me"]["language"] == "zh-CN"
    refused = await gql(SET_LANGUAGE, {"l": "tlh"}, token=guest.token,
                        headers={"Accept-Language": "en"})
    [error] = refused.data["setPreferredLanguage"]["errors"]
    assert error["code"] == "INVALID" and error["message"] == "请选择以下之一：en, zh-CN。"
    assert (await Account.get(id=guest.account.id)).language == "zh-CN"
    anonymous = await gql(SET_LANGUAGE, {"l": "en"})
    assert anonymous.error_codes == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(("lang", "heading", "empty"), [("zh-CN", "预订量", "本期间无数据。"),
                                                       ("en", "Bookings taken", "No data")])
def test_reports_are_written_in_the_requested_language(lang, heading, empty):
    async def build(window):
        return SectionContent()

    day = dt.date(2026, 11, 27)
    window = Window(Period.DAILY, day, day + dt.timedelta(days=1))
    content = SectionContent(tables=[Table(["Channel", "Bookings"], [])])
    html = render_report(
        "Daily report 2026-11-27", window,
        [(Section("bookings", "Bookings taken", 10, build), content)],
        generated_at=dt.datetime(2026, 11, 28, tzinfo=dt.UTC), timezone="Asia/Shanghai",
        due_at=dt.datetime(2026, 11, 29, tzinfo=dt.UTC), lang=lang,
    ).decode()
    assert heading in html and empty in html and f'lang="{lang}"' in html


def test_enumerated_values_in_notification_titles_are_translated():
    """The statuses and kinds that notification titles fill in from data have a translation
    for every value they can take, under a placeholder the catalogue really has; any other
    value (a name, a free-text kind) is left as it was given."""
    from domain.approvals import ApprovalStatus
    from domain.bookings.changes import APPROVAL_KIND as BOOKING_CHANGE
    from domain.complaints.states import ComplaintSeverity
    from domain.crisis.groups import CrisisStatus
    from domain.documents.kinds import LegalReview
    from domain.finance.budgets import BUDGET_KIND
    from domain.incentives.ledger import PenaltyKind, RewardKind
    from domain.members.adjustments import APPROVAL_KIND as POINTS_ADJUSTMENT
    from domain.privacy_rights.requests import RequestStatus

    values = i18n.value_catalogue(i18n.CHINESE)
    placeholders = {
        name
        for template in i18n.catalogue(i18n.CHINESE)
        for name in i18n._PLACEHOLDER.findall(template)
    }
    assert set(values) <= placeholders
    incentives = [k.lower().replace("_", " ") for k in [*RewardKind, *PenaltyKind]]
    expected = {
        "request.status.lower()": [s.lower() for s in ApprovalStatus],
        "request.kind.replace('_', ' ').title()": [
            k.replace("_", " ").title() for k in (BUDGET_KIND, BOOKING_CHANGE, POINTS_ADJUSTMENT)
        ],
        "done.status.lower()": [RequestStatus.COMPLETED.lower(), RequestStatus.REFUSED.lower()],
        "status.lower()": [
            *(s.lower() for s in (CrisisStatus.DISSOLVED, CrisisStatus.EXPIRED)),
            *(s.lower() for s in (LegalReview.APPROVED, LegalReview.REJECTED)),
        ],
        "severity.lower()": [s.lower() for s in ComplaintSeverity],
        "entry.kind.lower().replace('_', ' ')": incentives,
        "entry.kind.lower().replace('_', ' ').capitalize()": [k.capitalize() for k in incentives],
    }
    for placeholder, english in expected.items():
        assert set(english) <= set(values[placeholder]), placeholder
    assert (
        i18n.translate("Points Adjustment request rejected", "zh-CN") == "积分调整 申请结果：驳回"
    )
    # A free-text kind and a value outside the enumeration stay as given.
    assert i18n.translate("Purchase request approved", "zh-CN") == "Purchase 申请结果：批准"
    assert i18n.translate("Points Adjustment request approved", "en") == (
        "Points Adjustment request approved"
    )
