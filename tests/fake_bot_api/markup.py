"""Telegram's text formatting as the server applies it: HTML parse mode and entity offsets.

Only HTML is implemented because the bot sends HTML; a message in another parse mode is refused
so nobody mistakes the fake for a full Telegram. The parser is strict on purpose (tdlib's
``parse_html`` semantics and error strings): real Telegram rejects a raw ``<``, an unknown tag
or a misnested one with 400, and legal texts are full of ``<``/``>``, so escaping bugs must fail
here as they would in production.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .errors import bad_request, parse_error

_AUTO_ENTITY_RE = re.compile(
    r"(?P<url>https?://\S+)"
    r"|(?P<bot_command>(?<![\w/:])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{5,32})"
    r"|(?P<hashtag>(?<![\w#])#\w+)"
)


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units, not code points."""
    return len(text.encode("utf-16-le")) // 2


class _TextBuilder:
    """Accumulates plain text while tracking the UTF-16 position for entity offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos16 = 0

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos16 += utf16_len(chunk)

    def text(self) -> str:
        return "".join(self.parts)


def _entity(kind: str, start16: int, end16: int, **extra: Any) -> dict[str, Any] | None:
    """Build a MessageEntity dict, dropping empty ones like Telegram does."""
    if end16 <= start16:
        return None
    return {"type": kind, "offset": start16, "length": end16 - start16, **extra}


def _sorted_entities(entities: Iterable[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Order entities as Telegram does: by offset, outer (longer) entities first."""
    real = [e for e in entities if e is not None]
    return sorted(real, key=lambda e: (e["offset"], -e["length"]))


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,8});")


def _decode_html_entity(name: str) -> str | None:
    """Decode the few entities Telegram supports; unknown ones stay literal text."""
    if name.startswith(("#x", "#X")):
        code = int(name[2:], 16)
    elif name.startswith("#"):
        code = int(name[1:])
    else:
        return _HTML_NAMED_ENTITIES.get(name)
    if 0 < code <= 0x10FFFF:
        return chr(code)
    return None


def _parse_html_attributes(text: str, pos: int, tag_offset: int) -> tuple[dict[str, str], int]:
    """Parse ``name="value"`` pairs up to ``>``; return attributes and the index after ``>``."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            raise parse_error(f"Unclosed start tag at byte offset {tag_offset}")
        if text[pos] == ">":
            return attrs, pos + 1
        if text.startswith("/>", pos):
            return attrs, pos + 2
        start = pos
        while pos < n and not text[pos].isspace() and text[pos] not in "=>":
            pos += 1
        name = text[start:pos].lower()
        while pos < n and text[pos].isspace():
            pos += 1
        value = ""
        if pos < n and text[pos] == "=":
            pos += 1
            while pos < n and text[pos].isspace():
                pos += 1
            if pos < n and text[pos] in "\"'":
                end = text.find(text[pos], pos + 1)
                if end == -1:
                    raise parse_error(f"Unclosed start tag at byte offset {tag_offset}")
                value = text[pos + 1 : end]
                pos = end + 1
            else:
                start = pos
                while pos < n and not text[pos].isspace() and text[pos] != ">":
                    pos += 1
                value = text[start:pos]
            value = _HTML_ENTITY_RE.sub(
                lambda m: _decode_html_entity(m.group(1)) or m.group(0), value
            )
        attrs[name] = value


def _html_entity_for(
    tag: str, attrs: dict[str, str], start16: int, end16: int
) -> dict[str, Any] | None:
    """Translate a closed HTML tag into a MessageEntity (or None when it carries no entity)."""
    kind = _HTML_TAGS[tag]
    if kind == "text_link":
        href = attrs.get("href", "")
        if not href:
            return None
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user:
            return _entity(
                "text_mention",
                start16,
                end16,
                user={"id": int(user.group(1)), "is_bot": False, "first_name": "User"},
            )
        return _entity("text_link", start16, end16, url=href)
    if kind == "custom_emoji":
        return _entity("custom_emoji", start16, end16, custom_emoji_id=attrs.get("emoji-id", ""))
    if kind == "blockquote" and "expandable" in attrs:
        return _entity("expandable_blockquote", start16, end16)
    if kind == "code" and attrs.get("class", "").startswith("language-"):
        return _entity("code", start16, end16, _language=attrs["class"][len("language-") :])
    return _entity(kind, start16, end16)


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode (tdlib ``parse_html`` semantics, same error strings).

    Why strict: real Telegram rejects a raw ``<`` or an unsupported tag with 400, and legal
    texts are full of ``<``/``>``; the fake must fail the same way so escaping bugs surface.
    """
    out = _TextBuilder()
    stack: list[tuple[str, dict[str, str], int]] = []
    entities: list[dict[str, Any] | None] = []
    i, n = 0, len(text)

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    while i < n:
        ch = text[i]
        if ch == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            decoded = _decode_html_entity(match.group(1)) if match else None
            if match and decoded is not None:
                out.add(decoded)
                i = match.end()
            else:
                out.add("&")
                i += 1
            continue
        if ch != "<":
            out.add(ch)
            i += 1
            continue
        if text.startswith("</", i):
            end = text.find(">", i)
            if end == -1:
                raise parse_error(f"Unclosed end tag at byte offset {byte_offset(i)}")
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise parse_error(f'Unexpected end tag "{name}" at byte offset {byte_offset(i)}')
            open_name, attrs, start16 = stack.pop()
            if name != open_name:
                raise parse_error(
                    f'Unmatched end tag at byte offset {byte_offset(i)}, expected "</{open_name}>",'
                    f' found "</{name}>"'
                )
            made = _html_entity_for(open_name, attrs, start16, out.pos16)
            if open_name == "pre" and made is not None:
                # <pre><code class="language-x">...</code></pre> is one pre entity with language.
                for index, inner in enumerate(entities):
                    if (
                        inner is not None
                        and inner["type"] == "code"
                        and "_language" in inner
                        and inner["offset"] == made["offset"]
                        and inner["length"] == made["length"]
                    ):
                        made["language"] = inner["_language"]
                        entities[index] = None
            entities.append(made)
            i = end + 1
            continue
        j = i + 1
        while j < n and not text[j].isspace() and text[j] not in "/>":
            j += 1
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise parse_error(f'Unsupported start tag "{name}" at byte offset {byte_offset(i)}')
        attrs, i = _parse_html_attributes(text, j, byte_offset(i))
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise parse_error('Tag "span" must have class "tg-spoiler"')
        stack.append((name, attrs, out.pos16))
    if stack:
        raise parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for made in entities:
        if made is not None:
            made.pop("_language", None)
    return out.text(), _sorted_entities(entities)


def _strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace like Telegram and shift/clip entities accordingly."""
    left = len(text) - len(text.lstrip())
    left16 = utf16_len(text[:left])
    stripped = text.strip()
    total16 = utf16_len(stripped)
    adjusted: list[dict[str, Any]] = []
    for ent in entities:
        start = max(ent["offset"] - left16, 0)
        end = min(ent["offset"] + ent["length"] - left16, total16)
        if end > start:
            adjusted.append({**ent, "offset": start, "length": end - start})
    return stripped, adjusted


def format_text(text: str, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` (or explicit entities) to produce what Telegram would store."""
    if parse_mode:
        if str(parse_mode).lower() != "html":
            raise bad_request(
                f"unsupported parse_mode {parse_mode!r} (this fake implements HTML only)"
            )
        text, parsed = parse_html(text)
    else:
        parsed = [dict(e) for e in entities or [] if isinstance(e, dict)]
    return _strip_text(text, parsed)


def auto_entities(text: str) -> list[dict[str, Any]]:
    """Detect the entities Telegram's servers add to user messages (commands, mentions...).

    Why: PTB's ``CommandHandler`` only fires when a ``bot_command`` entity sits at offset 0,
    so user messages built by the fake must carry the entities real Telegram would add.
    """
    found: list[dict[str, Any]] = []
    for match in _AUTO_ENTITY_RE.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        start16 = utf16_len(text[: match.start()])
        found.append({"type": kind, "offset": start16, "length": utf16_len(match.group(0))})
    return found
