"""A domain error's message: the filled Vietnamese text for everyone who reads it as text, with its template
and parameters kept for the web layer to translate."""

from __future__ import annotations

from meetings.errors import N_, Message, RuleViolation, ValidationError, as_message, joined


def test_the_message_is_the_filled_vietnamese_text() -> None:
    exc = RuleViolation(N_("Cuộc họp «%(title)s» đã bị huỷ."), title="Giao ban 100% xã")
    assert str(exc) == "Cuộc họp «Giao ban 100% xã» đã bị huỷ."
    assert exc.message == "Cuộc họp «Giao ban 100% xã» đã bị huỷ."
    assert exc.message.template == "Cuộc họp «%(title)s» đã bị huỷ."
    assert exc.message.params == {"title": "Giao ban 100% xã"}
    assert exc.field is None
    assert exc.status_code == 409


def test_a_message_without_parameters_is_not_formatted() -> None:
    exc = ValidationError("Tỷ lệ 100% là tối đa.", field="rate")  # a literal % needs no escaping
    assert str(exc) == "Tỷ lệ 100% là tối đa."
    assert exc.message.template == "Tỷ lệ 100% là tối đa."
    assert exc.message.params == {}
    assert exc.field == "rate"


def test_parameters_may_be_messages_and_lists_of_them() -> None:
    states = joined([Message("Dự thảo"), Message("Đã huỷ")])
    assert states == "Dự thảo, Đã huỷ"
    assert states.template == "%(i0)s, %(i1)s"
    exc = RuleViolation(N_("Chỉ có thể chuyển sang: %(allowed)s."), allowed=states)
    assert str(exc) == "Chỉ có thể chuyển sang: Dự thảo, Đã huỷ."
    assert exc.message.params["allowed"] is states
    label = as_message("Tên cuộc họp")
    assert as_message(label) is label
    assert joined([]) == ""
