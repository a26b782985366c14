"""Telegram's HTML parse mode as the fake applies it, without a server: what it accepts, the
entities it makes (UTF-16 offsets), and what it rejects with Telegram's error."""

from __future__ import annotations

import pytest

from tests.fake_bot_api.errors import ApiError
from tests.fake_bot_api.markup import auto_entities, format_text, parse_html


def test_entities_offsets_and_escapes() -> None:
    text, entities = parse_html(
        '👍 <b>Điều <i>5</i></b> &lt;Luật&gt; &amp; <a href="https://x.vn/?a=1&amp;b=2">đây</a>'
    )
    assert text == "👍 Điều 5 <Luật> & đây"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 6},  # 👍 is two UTF-16 units
        {"type": "italic", "offset": 8, "length": 1},
        {"type": "text_link", "offset": 19, "length": 3, "url": "https://x.vn/?a=1&b=2"},
    ]


def test_pre_with_code_language_is_one_entity() -> None:
    text, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert text == "x = 1"
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


def test_unknown_named_entities_stay_literal() -> None:
    assert parse_html("A &nbsp; B &#65;")[0] == "A &nbsp; B A"


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("a < b", 'Unsupported start tag ""'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b>x</i>", 'expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", 'Unexpected end tag "b"'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler"'),
        ('<a href="x>y</a>', "Unclosed start tag"),
    ],
)
def test_rejects_what_telegram_rejects(html: str, error: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_html(html)
    assert info.value.error_code == 400
    assert info.value.description.startswith("Bad Request: can't parse entities: ")
    assert error in info.value.description


def test_format_text_strips_and_refuses_other_parse_modes() -> None:
    assert format_text("  <b>x</b> \n", "HTML", None) == (
        "x",
        [{"type": "bold", "offset": 0, "length": 1}],
    )
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        format_text("*x*", "MarkdownV2", None)


def test_user_messages_get_the_entities_telegram_adds() -> None:
    kinds = [(e["type"], e["offset"]) for e in auto_entities("/hoi@tdkt_bot @tester_1 #tag")]
    assert kinds == [("bot_command", 0), ("mention", 14), ("hashtag", 24)]
