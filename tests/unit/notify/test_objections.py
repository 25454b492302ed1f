"""The 公示栏's objection form as pure rules: what a submission must hold, the abuse checks, the form token, and how
the board names an objector."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from zdz_common.errors import AlreadyExists, InvalidArgument, PermissionDenied
from zdz_notify.domain.objections import (
    DuplicateGuard,
    ObjectionForm,
    ObjectionLimits,
    check_form,
    require_contact,
    shortened_name,
)
from zdz_notify.service_layer.objections import FormTokens, objection_id_of

LIMITS = ObjectionLimits()
TEXT = "青杠街道某小区仍有雨污混接，请核查。"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 12, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.parametrize(
    ("contact", "kept"),
    [
        ("13800138000", "13800138000"),
        ("+86 13800138000", "+8613800138000"),
        ("023-41412345", "023-41412345"),
        ("02341412345", "02341412345"),
        (" zhangsan@example.com ", "zhangsan@example.com"),
    ],
)
def test_a_contact_is_a_mobile_a_landline_with_area_code_or_an_email_address(contact: str, kept: str) -> None:
    assert require_contact(contact) == kept


@pytest.mark.parametrize("contact", ["", "12345", "1380013800", "zhangsan@", "电话见信件"])
def test_a_contact_that_is_neither_telephone_nor_email_is_refused_in_chinese(contact: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        require_contact(contact)
    assert refused.value.field == "contact"


def test_a_form_with_its_honeypot_filled_in_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="提交未通过校验"):
        check_form(ObjectionForm("张三", "13800138000", TEXT, website="x"), LIMITS)


def test_an_objection_must_name_its_objector() -> None:
    with pytest.raises(InvalidArgument, match="实名提出"):
        check_form(ObjectionForm("  ", "13800138000", TEXT), LIMITS)


def test_the_text_is_bounded_in_length_and_in_links() -> None:
    limits = ObjectionLimits(text_min_chars=5, text_max_chars=30, max_urls=1)
    with pytest.raises(InvalidArgument, match="不少于5个字"):
        check_form(ObjectionForm("张三", "13800138000", "有问题"), limits)
    with pytest.raises(InvalidArgument, match="不超过30个字"):
        check_form(ObjectionForm("张三", "13800138000", "污" * 31), limits)
    with pytest.raises(InvalidArgument, match="网址不超过1个"):
        check_form(ObjectionForm("张三", "13800138000", "见 http://a.cn 和 www.b.cn"), limits)
    accepted = check_form(ObjectionForm(" 张 三 ", "023-41412345", "见 http://a.cn 所示"), limits)
    assert (accepted.name, accepted.contact, accepted.text) == (
        "张 三",
        "023-41412345",
        "见 http://a.cn 所示",
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [("张三", "张*"), ("张三丰", "张**"), ("欧阳娜娜", "欧***"), ("John Smith", "J***"), ("", "")],
)
def test_the_board_shows_an_objectors_name_shortened_to_its_first_character(name: str, shown: str) -> None:
    assert shortened_name(name) == shown


def test_the_same_text_from_another_form_is_a_duplicate_within_the_window_only() -> None:
    clock = Clock()
    guard = DuplicateGuard(timedelta(hours=1), clock)
    guard.check(TEXT, "form-1")
    guard.remember(TEXT, "form-1")
    guard.check(TEXT, "form-1")  # the same form sent again is not a duplicate: it is forwarded once more
    with pytest.raises(AlreadyExists, match="请勿重复提交"):
        guard.check(TEXT.replace("，", "， "), "form-2")  # whitespace aside
    clock.now += timedelta(hours=1)
    guard.check(TEXT, "form-2")


def test_a_form_token_is_valid_for_its_notice_with_its_cookie_until_it_expires() -> None:
    clock = Clock()
    tokens = FormTokens(b"secret", timedelta(hours=2), clock)
    issued = tokens.issue("notice-1")
    assert tokens.verify(issued.token, "notice-1", issued.form_id) == issued.form_id
    for token, notice, cookie in (
        (issued.token, "notice-2", issued.form_id),  # another notice's page
        (issued.token, "notice-1", ""),  # posted from elsewhere: no same-site cookie
        (issued.token[:-2] + "xx", "notice-1", issued.form_id),  # tampered with
        (FormTokens(b"other", timedelta(hours=2), clock).issue("notice-1").token, "notice-1", issued.form_id),
    ):
        with pytest.raises(PermissionDenied, match="表单已失效"):
            tokens.verify(token, notice, cookie)
    clock.now += timedelta(hours=2, seconds=1)
    with pytest.raises(PermissionDenied):
        tokens.verify(issued.token, "notice-1", issued.form_id)


def test_one_form_gives_one_objection_id() -> None:
    assert (
        objection_id_of("0123456789abcdef0123")
        == objection_id_of("0123456789abcdef0123")
        == "GSL-0123456789ABCDEF"
    )


def test_the_text_may_run_over_several_lines_but_holds_no_other_control_character() -> None:
    accepted = check_form(
        ObjectionForm("张三", "13800138000", "第一处：某路段雨污混接。\r\n第二处：某小区。"), LIMITS
    )
    assert "\r\n" in accepted.text
    with pytest.raises(InvalidArgument, match="控制字符"):
        check_form(ObjectionForm("张三", "13800138000", "某路段雨污混接\x07请核查处理"), LIMITS)
