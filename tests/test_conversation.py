"""Reading a message as part of a conversation: small talk is not a question."""

from __future__ import annotations

import pytest

from retrieval.conversation import small_talk, without_small_talk


@pytest.mark.parametrize(("message", "kind"), [
    ("chào bot", "greeting"),
    ("Xin chào!", "greeting"),
    ("cảm ơn bot nhé", "thanks"),
    ("cam on ad a", "thanks"),
    ("bạn là ai?", "identity"),
    ("chào bot, bạn là ai", "identity"),
    ("giúp với", "help"),
    ("Bot ơi giúp mình với", "help"),
])
def test_small_talk_is_recognised_with_or_without_diacritics(message: str, kind: str) -> None:
    assert small_talk(message) == kind


@pytest.mark.parametrize("message", [
    "chào bạn, cho hỏi tiêu chuẩn cstđ",
    "giúp tôi tìm tiêu chuẩn Chiến sĩ thi đua cơ sở",
    "Xin chào, hồ sơ đề nghị tặng Bằng khen gồm những gì?",
    "ok, còn hạng Nhì thì sao?",
    "tiêu chuẩn",
    "😀",
    "",
])
def test_a_greeting_around_a_question_is_a_question(message: str) -> None:
    assert small_talk(message) is None


@pytest.mark.parametrize(("message", "question"), [
    ("Chào bạn, cho hỏi tiêu chuẩn cstđ?", "cho hỏi tiêu chuẩn cstđ?"),
    ("hồ sơ gồm những gì? cảm ơn ạ", "hồ sơ gồm những gì?"),
    ("xin chào", "xin chào"),  # only small talk: left for small_talk() to answer
    ("Bằng khen, chào cờ thế nào", "Bằng khen, chào cờ thế nào"),  # inside: untouched
])
def test_greetings_and_thanks_around_a_question_are_dropped(message: str, question: str) -> None:
    assert without_small_talk(message) == question
