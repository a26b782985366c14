"""Fake Telegram Bot API server for end-to-end tests.

Why this exists: mocking ``telegram.Bot`` methods only proves that our handlers call the
methods we expect; it skips python-telegram-bot's (PTB) real request encoding, JSON
de-serialisation, long polling, file download and error mapping, which is exactly where
integration bugs hide (a 65-byte ``callback_data``, an unescaped ``<`` in HTML mode, a
keyboard that silently disappears on edit, a 429 that is never retried...).  This module
speaks the real Bot API HTTP protocol on ``127.0.0.1`` so a completely unmodified
``telegram.ext.Application`` can be pointed at it::

    with FakeBotApi() as server:
        app = (
            ApplicationBuilder()
            .token("123:TEST")
            .base_url(f"{server.url}/bot")
            .base_file_url(f"{server.url}/file/bot")
            .build()
        )
        ...
        mark = server.mark()
        server.send_command("start")
        params = await server.wait_for_async("sendMessage", since=mark)

Design notes:

* stdlib only (``http.server.ThreadingHTTPServer`` in a daemon thread) so the test suite
  needs no extra dependency and works on every Python the project supports.
* all state lives behind one ``threading.Condition``; every public method is thread-safe
  and returns deep copies, so tests can never observe half-applied state.
* a call is appended to :attr:`FakeBotApi.calls` in the same critical section that applies
  its effect, so once :meth:`FakeBotApi.wait_for` returns, :meth:`FakeBotApi.sent_messages`
  already reflects it.
* validation mirrors real Telegram where bots commonly trip (parse errors, button data
  limits, "message is not modified", unknown chats, answered callback queries), with the
  same ``description`` strings so error handling code paths are exercised for real.

Not emulated (documented so nobody relies on it): webhook delivery (``setWebhook`` is
recorded and makes ``getUpdates`` fail with 409 like the real API, but updates are never
POSTed), group privacy mode, flood limits other than injected faults, media other than
documents.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import email.utils
import http.server
import itertools
import json
import mimetypes
import random
import re
import secrets
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import Message
from types import TracebackType
from typing import Any, NamedTuple

__all__ = [
    "DEFAULT_BOT_ID",
    "DEFAULT_BOT_USERNAME",
    "DEFAULT_FIRST_NAME",
    "DEFAULT_GROUP_CHAT_ID",
    "DEFAULT_SUPERGROUP_CHAT_ID",
    "DEFAULT_USER_ID",
    "DEFAULT_USERNAME",
    "ApiError",
    "Call",
    "FailedCall",
    "FakeBotApi",
    "SentDocument",
    "UploadedFile",
]

DEFAULT_BOT_ID = 7000000001
DEFAULT_BOT_USERNAME = "tdkt_test_bot"
DEFAULT_BOT_FIRST_NAME = "TDKT Test Bot"
DEFAULT_USER_ID = 100001
DEFAULT_USERNAME = "tester"
DEFAULT_FIRST_NAME = "Tester"
DEFAULT_GROUP_CHAT_ID = -4001
DEFAULT_SUPERGROUP_CHAT_ID = -1001000004001

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_POLL_TIMEOUT = 50.0
RANDOM_FAULT_PREFIXES = ("send", "edit")
FAULT_KINDS = ("429", "500", "502", "slow")

# Update types Telegram withholds unless explicitly requested via allowed_updates.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# PTB (like most clients) JSON-encodes every non-string form value and sends strings raw.  To
# undo that faithfully we json-decode every form value except parameters that are strings in
# the Bot API schema (otherwise a message text "123" or "true" would change type).
_STRING_PARAMS = frozenset(
    {
        "action",
        "animation",
        "audio",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "certificate",
        "custom_title",
        "data",
        "description",
        "document",
        "emoji",
        "explanation",
        "file_id",
        "inline_message_id",
        "inline_query_id",
        "ip_address",
        "language_code",
        "message_effect_id",
        "name",
        "next_offset",
        "parse_mode",
        "photo",
        "query",
        "question",
        "secret_token",
        "short_description",
        "sticker",
        "switch_pm_parameter",
        "switch_pm_text",
        "text",
        "thumbnail",
        "title",
        "url",
        "video",
        "video_note",
        "voice",
    }
)

# Parameters whose value is a JSON object/array even when a client nests it as a JSON string
# inside a JSON body (the Bot API accepts both).
_JSON_PARAMS = frozenset(
    {
        "allowed_updates",
        "caption_entities",
        "commands",
        "entities",
        "explanation_entities",
        "link_preview_options",
        "media",
        "menu_button",
        "options",
        "reaction",
        "reply_markup",
        "reply_parameters",
        "results",
        "rights",
        "scope",
        "button",
    }
)

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_AUTO_ENTITY_RE = re.compile(
    r"(?P<url>https?://\S+)"
    r"|(?P<bot_command>(?<![\w/:])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?)"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{5,32})"
    r"|(?P<hashtag>(?<![\w#])#\w+)"
)

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    """A Bot API ``ok: false`` answer.

    Why an exception: method implementations stay linear (validate, then raise) while the HTTP
    layer turns this into the exact JSON body and HTTP status real Telegram uses, which PTB
    maps to ``BadRequest``/``Forbidden``/``RetryAfter``/``NetworkError``.  Raise it from a
    function registered with :meth:`FakeBotApi.register_method` too.
    """

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(message: str) -> ApiError:
    """Build a 400 with Telegram's ``Bad Request: ...`` prefix (PTB raises ``BadRequest``)."""
    return ApiError(400, f"Bad Request: {message}")


def _parse_error(message: str) -> ApiError:
    """Build the 400 Telegram returns when ``parse_mode`` markup is malformed."""
    return _bad_request(f"can't parse entities: {message}")


class Call(NamedTuple):
    """One successfully answered Bot API request (unpacks as ``method, params, timestamp``)."""

    method: str
    params: dict[str, Any]
    timestamp: float


class FailedCall(NamedTuple):
    """A request answered with ``ok: false``: validation error or injected fault."""

    method: str
    params: dict[str, Any]
    timestamp: float
    error_code: int
    description: str


class UploadedFile(NamedTuple):
    """A multipart file part as received; appears in recorded ``params`` in place of a path."""

    filename: str
    data: bytes
    content_type: str


class SentDocument(NamedTuple):
    """A document the bot sent (unpacks as ``filename, data``)."""

    filename: str
    data: bytes


@dataclass
class _StoredFile:
    """A file known to the fake server, reachable via getFile and the download URL."""

    file_id: str
    file_unique_id: str
    file_path: str
    filename: str
    data: bytes
    mime_type: str

    def document(self) -> dict[str, Any]:
        """Return the Bot API ``Document`` object for this file."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_name": self.filename,
            "mime_type": self.mime_type,
            "file_size": len(self.data),
        }


@dataclass
class _Fault:
    """A queued deterministic fault for one method (or ``"*"``)."""

    kind: str
    remaining: int
    retry_after: int
    delay: float


@dataclass
class _RandomFaults:
    """Probabilistic faults for load tests; seeded so failures are reproducible."""

    rate_429: float
    rate_5xx: float
    rate_slow: float
    rng: random.Random
    retry_after: int
    delay: float
    methods: frozenset[str] | None

    def applies_to(self, method: str) -> bool:
        """Only state-changing send/edit methods, so polling and getMe stay reliable."""
        if self.methods is not None:
            return method.lower() in self.methods
        return method.lower().startswith(RANDOM_FAULT_PREFIXES)


# --------------------------------------------------------------------------------------------
# Text helpers: UTF-16 offsets and Telegram's parse modes.
# --------------------------------------------------------------------------------------------


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units, not code points."""
    return len(text.encode("utf-16-le")) // 2


class _TextBuilder:
    """Accumulates plain text while tracking the UTF-16 position for entity offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos16 = 0

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos16 += _utf16_len(chunk)

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
            raise _parse_error(f"Unclosed start tag at byte offset {tag_offset}")
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
                    raise _parse_error(f"Unclosed start tag at byte offset {tag_offset}")
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


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
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
                raise _parse_error(f"Unclosed end tag at byte offset {byte_offset(i)}")
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise _parse_error(f'Unexpected end tag "{name}" at byte offset {byte_offset(i)}')
            open_name, attrs, start16 = stack.pop()
            if name != open_name:
                raise _parse_error(
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
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {byte_offset(i)}')
        attrs, i = _parse_html_attributes(text, j, byte_offset(i))
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _parse_error('Tag "span" must have class "tg-spoiler"')
        stack.append((name, attrs, out.pos16))
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for made in entities:
        if made is not None:
            made.pop("_language", None)
    return out.text(), _sorted_entities(entities)


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def _parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's MarkdownV2 parse mode, including the "reserved character" errors.

    Why: an unescaped ``.`` or ``-`` (ubiquitous in "Điều 5." / "Khoản 1 - ...") makes real
    Telegram reject the whole message; tests must see that failure, not a silent success.
    """
    out = _TextBuilder()
    # Each open entity: [type, start16, start index, extra dict]
    stack: list[list[Any]] = []
    entities: list[dict[str, Any] | None] = []
    quote_start: int | None = None
    at_line_start = True
    i, n = 0, len(text)

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    def close_top() -> None:
        kind, start16, _, extra = stack.pop()
        entities.append(_entity(kind, start16, out.pos16, **extra))

    while i < n:
        ch = text[i]
        top = stack[-1][0] if stack else None
        if top in ("code", "pre"):
            if ch == "\\" and i + 1 < n and text[i + 1] in "`\\":
                out.add(text[i + 1])
                i += 2
            elif top == "pre" and text.startswith("```", i):
                close_top()
                i += 3
            elif top == "code" and ch == "`":
                close_top()
                i += 1
            else:
                out.add(ch)
                i += 1
            continue
        if ch == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            at_line_start = False
            continue
        if at_line_start and ch == ">":
            if quote_start is None:
                quote_start = out.pos16
            at_line_start = False
            i += 1
            continue
        if ch == "\n":
            if quote_start is not None and not text.startswith(">", i + 1):
                entities.append(_entity("blockquote", quote_start, out.pos16))
                quote_start = None
            out.add(ch)
            at_line_start = True
            i += 1
            continue
        at_line_start = False
        if ch not in _MDV2_RESERVED:
            out.add(ch)
            i += 1
            continue
        if ch == "]" and top in ("text_link", "custom_emoji"):
            kind, start16, start_index, _ = stack.pop()
            url = ""
            if text.startswith("(", i + 1):
                j = i + 2
                chars: list[str] = []
                while j < n and text[j] != ")":
                    if text[j] == "\\" and j + 1 < n:
                        chars.append(text[j + 1])
                        j += 2
                        continue
                    chars.append(text[j])
                    j += 1
                if j >= n:
                    raise _parse_error(f"Can't find end of a URL at byte offset {byte_offset(i)}")
                url = "".join(chars)
                i = j + 1
            else:
                i += 1
            if kind == "custom_emoji":
                emoji = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
                if not emoji:
                    raise _parse_error(
                        "Custom emoji entity must contain a tg://emoji URL at byte offset "
                        f"{byte_offset(start_index)}"
                    )
                entities.append(
                    _entity("custom_emoji", start16, out.pos16, custom_emoji_id=emoji.group(1))
                )
            elif url:
                entities.append(_entity("text_link", start16, out.pos16, url=url))
            continue
        if ch == "_":
            kind, width = ("underline", 2) if text.startswith("__", i) else ("italic", 1)
        elif ch == "*":
            kind, width = "bold", 1
        elif ch == "~":
            kind, width = "strikethrough", 1
        elif ch == "|" and text.startswith("||", i):
            kind, width = "spoiler", 2
        elif ch == "`":
            kind, width = ("pre", 3) if text.startswith("```", i) else ("code", 1)
        elif ch == "[":
            kind, width = "text_link", 1
        elif ch == "!" and text.startswith("![", i):
            kind, width = "custom_emoji", 2
        else:
            raise _parse_error(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        if kind == "pre":
            extra: dict[str, Any] = {}
            i += 3
            newline = text.find("\n", i)
            if newline != -1:
                first_line = text[i:newline]
                if first_line and not any(c.isspace() or c == "`" for c in first_line):
                    extra["language"] = first_line
                    i = newline + 1
                elif not first_line:
                    i = newline + 1
            stack.append(["pre", out.pos16, i, extra])
            continue
        if kind in ("code", "text_link", "custom_emoji") or top != kind:
            stack.append([kind, out.pos16, i, {}])
        else:
            close_top()
        i += width
    if quote_start is not None:
        entities.append(_entity("blockquote", quote_start, out.pos16))
    if stack:
        kind, _, start_index, _ = stack[-1]
        raise _parse_error(
            f"Can't find end of {_MDV2_NAMES[kind]} entity at byte offset "
            f"{byte_offset(start_index)}"
        )
    return out.text(), _sorted_entities(entities)


def _parse_markdown_legacy(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's legacy ``Markdown`` mode: non-nesting ``*`` ``_`` `````` `` ``` `` ``[]()``."""
    out = _TextBuilder()
    entities: list[dict[str, Any] | None] = []
    i, n = 0, len(text)

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    def unclosed(index: int) -> ApiError:
        return _parse_error(
            f"Can't find end of the entity starting at byte offset {byte_offset(index)}"
        )

    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if ch not in "_*`[":
            out.add(ch)
            i += 1
            continue
        start16 = out.pos16
        if ch == "[":
            close = text.find("]", i + 1)
            if close == -1:
                raise unclosed(i)
            out.add(text[i + 1 : close])
            if text.startswith("(", close + 1):
                end = text.find(")", close + 2)
                if end == -1:
                    raise unclosed(i)
                url = text[close + 2 : end]
                entities.append(_entity("text_link", start16, out.pos16, url=url))
                i = end + 1
            else:
                i = close + 1
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                raise unclosed(i)
            body = text[i + 3 : end]
            extra: dict[str, Any] = {}
            first_line, sep, rest = body.partition("\n")
            if sep and first_line and not any(c.isspace() for c in first_line):
                extra["language"] = first_line
                body = rest
            out.add(body)
            entities.append(_entity("pre", start16, out.pos16, **extra))
            i = end + 3
            continue
        end = text.find(ch, i + 1)
        if end == -1:
            raise unclosed(i)
        out.add(text[i + 1 : end])
        kind = {"*": "bold", "_": "italic", "`": "code"}[ch]
        entities.append(_entity(kind, start16, out.pos16))
        i = end + 1
    return out.text(), _sorted_entities(entities)


def _strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace like Telegram and shift/clip entities accordingly."""
    left = len(text) - len(text.lstrip())
    left16 = _utf16_len(text[:left])
    stripped = text.strip()
    total16 = _utf16_len(stripped)
    adjusted: list[dict[str, Any]] = []
    for ent in entities:
        start = max(ent["offset"] - left16, 0)
        end = min(ent["offset"] + ent["length"] - left16, total16)
        if end > start:
            adjusted.append({**ent, "offset": start, "length": end - start})
    return stripped, adjusted


def _format_text(text: str, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` (or explicit entities) to produce what Telegram would store."""
    if parse_mode:
        mode = str(parse_mode).lower()
        if mode == "html":
            text, parsed = _parse_html(text)
        elif mode == "markdownv2":
            text, parsed = _parse_markdown_v2(text)
        elif mode == "markdown":
            text, parsed = _parse_markdown_legacy(text)
        else:
            raise _bad_request("unsupported parse_mode")
    else:
        parsed = [dict(e) for e in entities or [] if isinstance(e, dict)]
    return _strip_text(text, parsed)


def _auto_entities(text: str) -> list[dict[str, Any]]:
    """Detect the entities Telegram's servers add to user messages (commands, mentions...).

    Why: PTB's ``CommandHandler`` only fires when a ``bot_command`` entity sits at offset 0,
    so user messages built by the fake must carry the entities real Telegram would add.
    """
    found: list[dict[str, Any]] = []
    for match in _AUTO_ENTITY_RE.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        start16 = _utf16_len(text[: match.start()])
        found.append({"type": kind, "offset": start16, "length": _utf16_len(match.group(0))})
    return found


# --------------------------------------------------------------------------------------------
# HTTP body parsing.
# --------------------------------------------------------------------------------------------


def _coerce_value(name: str, value: str) -> Any:
    """Undo the client's form encoding: JSON-decode everything but string-typed params."""
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _normalise_params(params: dict[str, Any]) -> dict[str, Any]:
    """Decode JSON-in-string values of object parameters (valid in JSON bodies too)."""
    for name in _JSON_PARAMS:
        value = params.get(name)
        if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
            try:
                params[name] = json.loads(value)
            except ValueError as exc:
                raise _bad_request(f"can't parse {name} JSON object") from exc
    return params


def _disposition_param(headers: Message, name: str) -> str | None:
    """Read a Content-Disposition parameter, undoing RFC 2231 and httpx's HTML5 escaping."""
    value = headers.get_param(name, header="content-disposition")
    if value is None:
        return None
    text = email.utils.collapse_rfc2231_value(value)  # type: ignore[arg-type]
    return text.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")


def _parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into text fields and file parts.

    Why hand-rolled: ``cgi`` is gone in Python 3.13 and the ``email`` parser may rewrite line
    endings inside payloads; splitting on the CRLF-prefixed delimiter is byte-exact, which
    matters because tests compare uploaded and downloaded bytes.
    """
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    chunks = (b"\r\n" + body).split(delimiter)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        _, newline, part = chunk.partition(b"\r\n")
        if not newline:
            continue
        if part.startswith(b"\r\n"):
            raw_headers, content = b"", part[2:]
        else:
            raw_headers, separator, content = part.partition(b"\r\n\r\n")
            if not separator:
                raise _bad_request("can't parse multipart/form-data body")
        headers = Message()
        for line in raw_headers.decode("utf-8", "replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip()] = value.strip()
        name = _disposition_param(headers, "name")
        if not name:
            continue
        filename = _disposition_param(headers, "filename")
        if filename is None:
            fields[name] = content.decode("utf-8", "replace")
        else:
            content_type = headers.get_content_type() if "content-type" in headers else ""
            files[name] = UploadedFile(
                filename, content, content_type or "application/octet-stream"
            )
    return fields, files


def _parse_request(query: str, headers: Message, body: bytes) -> dict[str, Any]:
    """Turn query string + JSON/urlencoded/multipart body into one typed parameter dict."""
    params: dict[str, Any] = {
        key: _coerce_value(key, value)
        for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True)
    }
    content_type = headers.get_content_type() if "content-type" in headers else ""
    if not body:
        return _normalise_params(params)
    if content_type == "application/json":
        try:
            decoded = json.loads(body.decode("utf-8"))
        except ValueError as exc:
            raise _bad_request("can't parse JSON request body") from exc
        if not isinstance(decoded, dict):
            raise _bad_request("JSON request body must be an object")
        params.update(decoded)
    elif content_type == "multipart/form-data":
        boundary = headers.get_param("boundary")
        if not isinstance(boundary, str) or not boundary:
            raise _bad_request("multipart/form-data without boundary")
        fields, files = _parse_multipart(body, boundary)
        params.update({key: _coerce_value(key, value) for key, value in fields.items()})
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                attached = files.get(value[len("attach://") :])
                if attached is None:
                    raise _bad_request(f"file {value} not found in the request")
                params[key] = attached
        for key, uploaded in files.items():
            params.setdefault(key, uploaded)
    else:
        text = body.decode("utf-8", "replace")
        for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
            params[key] = _coerce_value(key, value)
    return _normalise_params(params)


# --------------------------------------------------------------------------------------------
# HTTP server plumbing.
# --------------------------------------------------------------------------------------------


class _Server(http.server.ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers open connections so ``stop()`` can cut keep-alives."""

    daemon_threads = True
    # Load tests open many connections at once; the default backlog of 5 would refuse some.
    request_queue_size = 128

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: clients legitimately drop long polls (PTB cancels getUpdates on stop)."""

    def close_connections(self) -> None:
        """Shut down every open socket so handler threads blocked on keep-alive reads exit."""
        with self.connections_lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(http.server.BaseHTTPRequestHandler):
    """Routes HTTP requests to :class:`FakeBotApi`; HTTP/1.1 so httpx can reuse connections."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle + delayed ACK
    # adds ~40 ms to every keep-alive request, which would dominate load tests.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; ``FakeBotApi.calls`` is the useful record."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
            status, content_type, payload = self.server.api._handle_http(
                self.path, self.headers, body
            )
        except Exception as exc:  # a bug in the fake must surface as a 500, not a hang
            status, content_type = 500, "application/json"
            payload = json.dumps(
                {"ok": False, "error_code": 500, "description": f"Fake server error: {exc!r}"}
            ).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionError, OSError):
            self.close_connection = True


# --------------------------------------------------------------------------------------------
# The fake server.
# --------------------------------------------------------------------------------------------


class FakeBotApi:
    """In-process fake of ``api.telegram.org`` for end-to-end tests (see module docstring).

    Use as a context manager or call :meth:`start`/:meth:`stop`.  Accepts any bot token and
    records the tokens it saw in :attr:`tokens`.  An instance cannot be restarted after stop.
    """

    def __init__(
        self,
        *,
        bot_id: int = DEFAULT_BOT_ID,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_first_name: str = DEFAULT_BOT_FIRST_NAME,
    ) -> None:
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._ids = itertools.count(1)

        self._tokens: list[str] = []
        self._calls: list[Call] = []
        self._failed: list[FailedCall] = []

        self._updates: collections.deque[dict[str, Any]] = collections.deque()
        self._next_update_id = 1
        self._delivered_up_to = 0
        self._poll_generation = 0
        self._waiting_polls = 0
        self._allowed_updates: list[str] | None = None
        self._webhook: dict[str, Any] = {"url": ""}

        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._blocked: set[int] = set()
        self._last_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._bot_message_keys: list[tuple[int, int]] = []
        self._deleted: list[tuple[int, int]] = []
        self._inline_messages: dict[str, dict[str, Any]] = {}
        self._callback_queries: dict[str, dict[str, Any]] = {}
        self._callback_answers: dict[str, dict[str, Any]] = {}
        self._inline_queries: dict[str, dict[str, Any]] = {}
        self._inline_answers: dict[str, dict[str, Any]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._documents: list[SentDocument] = []

        self._faults: dict[str, list[_Fault]] = {}
        self._random_faults: _RandomFaults | None = None
        self._fault_counts: collections.Counter[str] = collections.Counter()
        self._fault_log: list[tuple[str, str]] = []

        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._api_get_me,
            "getUpdates": self._api_get_updates,
            "deleteWebhook": self._api_delete_webhook,
            "setWebhook": self._api_set_webhook,
            "getWebhookInfo": self._api_get_webhook_info,
            "setMyCommands": self._api_set_my_commands,
            "getMyCommands": self._api_get_my_commands,
            "deleteMyCommands": self._api_delete_my_commands,
            "sendMessage": self._api_send_message,
            "editMessageText": self._api_edit_message_text,
            "editMessageCaption": self._api_edit_message_caption,
            "editMessageReplyMarkup": self._api_edit_message_reply_markup,
            "deleteMessage": self._api_delete_message,
            "answerCallbackQuery": self._api_answer_callback_query,
            "answerInlineQuery": self._api_answer_inline_query,
            "sendChatAction": self._api_send_chat_action,
            "sendDocument": self._api_send_document,
            "getFile": self._api_get_file,
        }
        self._canonical = {name.lower(): name for name in self._methods}

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeBotApi:
        """Bind an ephemeral port on 127.0.0.1 and serve from a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeBotApi already started")
        if self._stopping:
            raise RuntimeError("FakeBotApi cannot be restarted; create a new instance")
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-bot-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake blocked long polls and close keep-alive connections."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The ephemeral TCP port; only valid after :meth:`start`."""
        if self._server is None:
            raise RuntimeError("FakeBotApi is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Server root, e.g. ``http://127.0.0.1:PORT``; append ``/bot`` for PTB's base_url."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def tokens(self) -> list[str]:
        """Distinct bot tokens seen in request paths, in first-seen order."""
        with self._cond:
            return list(self._tokens)

    @property
    def token(self) -> str | None:
        """The first token seen (most tests run a single bot)."""
        with self._cond:
            return self._tokens[0] if self._tokens else None

    def register_method(self, name: str, func: Callable[[dict[str, Any]], Any]) -> None:
        """Add or override a Bot API method.

        ``func(params)`` runs under the server lock and returns the ``result`` value or raises
        :class:`ApiError`.  Why: lets a test cover a method this fake does not implement (or
        force a specific answer) without editing this module.
        """
        with self._cond:
            self._methods[name] = func
            self._canonical[name.lower()] = name

    # ---------------------------------------------------------------- recording / waiting

    @property
    def calls(self) -> list[Call]:
        """Successfully answered requests, oldest first (includes getUpdates polls)."""
        with self._cond:
            return copy.deepcopy(self._calls)

    @property
    def failed_calls(self) -> list[FailedCall]:
        """Requests answered ``ok: false`` (validation errors and injected 429/5xx).

        Note: stopping a PTB updater abandons its in-flight long poll; PTB's final
        getUpdates then supersedes it, so one ``getUpdates`` 409 "terminated by other
        getUpdates request" entry is expected after shutdown (filter by method).
        """
        with self._cond:
            return copy.deepcopy(self._failed)

    def mark(self) -> int:
        """Current position in :attr:`calls`; pass as ``since=`` to ignore older calls."""
        with self._cond:
            return len(self._calls)

    def calls_to(self, method: str, *, since: int = 0) -> list[dict[str, Any]]:
        """Params of successful calls to ``method`` (case-insensitive) after ``since``."""
        wanted = method.lower()
        with self._cond:
            return [
                copy.deepcopy(call.params)
                for call in self._calls[since:]
                if call.method.lower() == wanted
            ]

    def _find_call(
        self, method: str, predicate: Callable[[dict[str, Any]], bool] | None, since: int
    ) -> dict[str, Any] | None:
        wanted = method.lower()
        for call in self._calls[since:]:
            if call.method.lower() == wanted and (predicate is None or predicate(call.params)):
                return copy.deepcopy(call.params)
        return None

    def _timeout_message(self, method: str, since: int, timeout: float) -> str:
        recent = [c.method for c in self._calls[since:] if c.method != "getUpdates"][-15:]
        failed = [(f.method, f.description) for f in self._failed][-5:]
        return (
            f"no matching {method} call within {timeout}s (since={since}); "
            f"calls since then: {recent}; recent failures: {failed}"
        )

    def wait_for(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> dict[str, Any]:
        """Block until a successful ``method`` call (matching ``predicate``) is recorded.

        Only calls at index >= ``since`` (see :meth:`mark`) are considered; the default 0
        also matches calls that already happened, which avoids races.  Raises
        ``TimeoutError`` listing what *did* arrive.  Do not call from the event loop that
        runs the bot (it would block it); use :meth:`wait_for_async` there.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._find_call(method, predicate, since)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(method, since, timeout))
                self._cond.wait(remaining)

    async def wait_for_async(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
        *,
        since: int = 0,
    ) -> dict[str, Any]:
        """Async :meth:`wait_for` that yields to the event loop (the bot runs in it too)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                found = self._find_call(method, predicate, since)
                if found is not None:
                    return found
                if time.monotonic() >= deadline:
                    raise TimeoutError(self._timeout_message(method, since, timeout))
            await asyncio.sleep(0.005)

    def wait_updates_delivered(self, timeout: float = 10.0) -> None:
        """Block until the bot confirmed (via getUpdates offset) every queued update."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._updates:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self._updates)} updates still pending")
                self._cond.wait(remaining)

    @property
    def waiting_polls(self) -> int:
        """getUpdates requests currently blocked in long polling (1 = bot idle and listening)."""
        with self._cond:
            return self._waiting_polls

    def wait_for_poll(self, timeout: float = 10.0) -> None:
        """Block until some getUpdates request is parked waiting for updates.

        Why: lets a test know the bot finished processing and is listening again, without
        sleeping for an arbitrary time.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._waiting_polls == 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("no getUpdates long poll is waiting")
                self._cond.wait(remaining)

    @property
    def pending_updates(self) -> int:
        """Updates queued but not yet confirmed by the bot."""
        with self._cond:
            return len(self._updates)

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Current state of messages the bot sent (edits applied, deleted ones omitted)."""
        with self._cond:
            result = []
            for key in self._bot_message_keys:
                message = self._messages.get(key)
                if message is not None and (chat_id is None or key[0] == chat_id):
                    result.append(copy.deepcopy(message))
            return result

    def last_sent(self, chat_id: int | None = None) -> dict[str, Any] | None:
        """The most recently sent, still existing bot message (optionally in one chat)."""
        messages = self.sent_messages(chat_id)
        return messages[-1] if messages else None

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """Current state of any stored message (bot's or user's), or None if unknown."""
        with self._cond:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found is not None else None

    @property
    def deleted_messages(self) -> list[tuple[int, int]]:
        """``(chat_id, message_id)`` pairs removed through deleteMessage."""
        with self._cond:
            return list(self._deleted)

    @property
    def inline_messages(self) -> dict[str, dict[str, Any]]:
        """State of inline messages by ``inline_message_id`` (text, entities, reply_markup)."""
        with self._cond:
            return copy.deepcopy(self._inline_messages)

    @property
    def callback_answers(self) -> dict[str, dict[str, Any]]:
        """answerCallbackQuery params by callback query id."""
        with self._cond:
            return copy.deepcopy(self._callback_answers)

    @property
    def inline_answers(self) -> dict[str, dict[str, Any]]:
        """answerInlineQuery params (``results`` decoded) by inline query id."""
        with self._cond:
            return copy.deepcopy(self._inline_answers)

    @property
    def documents(self) -> list[SentDocument]:
        """Documents the bot sent, as ``(filename, data)`` tuples, oldest first."""
        with self._cond:
            return list(self._documents)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """Commands currently set for ``scope`` (default scope) and ``language_code``."""
        with self._cond:
            return copy.deepcopy(self._commands.get(self._scope_key(scope, language_code), []))

    def file_bytes(self, file_id: str) -> bytes:
        """Raw bytes of any known file (uploaded by the bot or registered by a test)."""
        with self._cond:
            return self._files[file_id].data

    # ---------------------------------------------------------------- fault injection

    def set_fault(
        self,
        method: str,
        kind: str,
        *,
        times: int = 1,
        retry_after: int = 1,
        delay: float = 0.5,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (or ``"*"`` for any) misbehave.

        ``kind``: ``"429"`` answers ``error_code 429`` with ``parameters.retry_after``
        (PTB raises ``RetryAfter``); ``"500"``/``"502"`` answer a 5xx error (PTB raises
        ``NetworkError``); ``"slow"`` sleeps ``delay`` seconds, then answers normally.
        Faults queue up in call order and take precedence over random faults.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._cond:
            self._faults.setdefault(method.lower(), []).append(
                _Fault(kind, times, retry_after, delay)
            )

    def set_random_faults(
        self,
        rate_429: float = 0.05,
        rate_5xx: float = 0.02,
        rate_slow: float = 0.05,
        seed: int = 1,
        *,
        retry_after: int = 1,
        delay: float = 0.5,
        methods: Iterable[str] | None = None,
    ) -> None:
        """Inject faults at random into send*/edit* methods (or the given ``methods``).

        Why seeded: a load test that fails must fail the same way when re-run.  5xx faults
        are split evenly between 500 and 502.  Replaces any previous random configuration.
        """
        if rate_429 + rate_5xx + rate_slow > 1:
            raise ValueError("fault rates must sum to <= 1")
        with self._cond:
            self._random_faults = _RandomFaults(
                rate_429,
                rate_5xx,
                rate_slow,
                random.Random(seed),
                retry_after,
                delay,
                frozenset(m.lower() for m in methods) if methods is not None else None,
            )

    def clear_faults(self) -> None:
        """Remove queued and random faults (counters are kept)."""
        with self._cond:
            self._faults.clear()
            self._random_faults = None

    @property
    def fault_counts(self) -> collections.Counter[str]:
        """How many faults were injected, by kind (``"429"``, ``"500"``, ``"502"``, ``"slow"``)."""
        with self._cond:
            return collections.Counter(self._fault_counts)

    @property
    def fault_log(self) -> list[tuple[str, str]]:
        """``(method, kind)`` for every injected fault, in order."""
        with self._cond:
            return list(self._fault_log)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._cond:
            for key in (method.lower(), "*"):
                queue = self._faults.get(key)
                if queue:
                    fault = queue[0]
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.pop(0)
                    return fault
            rnd = self._random_faults
            if rnd is None or not rnd.applies_to(method):
                return None
            roll = rnd.rng.random()
            if roll < rnd.rate_429:
                return _Fault("429", 1, rnd.retry_after, rnd.delay)
            if roll < rnd.rate_429 + rnd.rate_5xx:
                kind = "500" if rnd.rng.random() < 0.5 else "502"
                return _Fault(kind, 1, rnd.retry_after, rnd.delay)
            if roll < rnd.rate_429 + rnd.rate_5xx + rnd.rate_slow:
                return _Fault("slow", 1, rnd.retry_after, rnd.delay)
            return None

    # ---------------------------------------------------------------- chats / users

    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> dict[str, Any]:
        """Make a chat known so the bot may message it without a prior incoming update.

        Why: like real Telegram, sending to a chat the fake never saw fails with
        ``chat not found``; broadcast-style tests register recipients here first.
        """
        with self._cond:
            if chat_type == "private":
                user = self._ensure_user(chat_id, username, first_name)
                return copy.deepcopy(self._ensure_chat(chat_id, "private", user))
            return copy.deepcopy(self._ensure_chat(chat_id, chat_type, None, title))

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """Simulate the user blocking (or unblocking) the bot: sends answer 403."""
        with self._cond:
            if blocked:
                self._blocked.add(user_id)
            else:
                self._blocked.discard(user_id)

    def _ensure_user(
        self, user_id: int, username: str | None = None, first_name: str | None = None
    ) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            default = user_id == DEFAULT_USER_ID
            user = {
                "id": user_id,
                "is_bot": False,
                "first_name": first_name or (DEFAULT_FIRST_NAME if default else f"User{user_id}"),
                "username": username or (DEFAULT_USERNAME if default else f"user{user_id}"),
                "language_code": "vi",
            }
            self._users[user_id] = user
        else:
            if username:
                user["username"] = username
            if first_name:
                user["first_name"] = first_name
        return user

    def _ensure_chat(
        self,
        chat_id: int,
        chat_type: str,
        user: dict[str, Any] | None,
        title: str | None = None,
    ) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        if chat is not None:
            if chat["type"] != chat_type:
                raise ValueError(f"chat {chat_id} already exists with type {chat['type']}")
            return chat
        if chat_type == "private":
            if chat_id <= 0 or user is None:
                raise ValueError("private chat ids are positive and equal the user id")
            chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
            if user.get("username"):
                chat["username"] = user["username"]
        elif chat_type in ("group", "supergroup", "channel"):
            if chat_id >= 0:
                raise ValueError(f"{chat_type} chat ids must be negative")
            chat = {"id": chat_id, "type": chat_type, "title": title or f"Test {chat_type}"}
        else:
            raise ValueError(f"unknown chat_type {chat_type!r}")
        self._chats[chat_id] = chat
        return chat

    def _resolve_chat(self, chat_id: Any) -> dict[str, Any]:
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        chat: dict[str, Any] | None = None
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            chat = next(
                (c for c in self._chats.values() if str(c.get("username", "")).lower() == name),
                None,
            )
        else:
            try:
                chat = self._chats.get(int(chat_id))
            except (TypeError, ValueError):
                chat = None
        if chat is None:
            raise _bad_request("chat not found")
        if chat["id"] in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

    # ---------------------------------------------------------------- update builders

    def enqueue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any raw update dict (``update_id`` is assigned); returns a copy of it.

        Why public: an escape hatch for update types without a dedicated builder.
        """
        with self._cond:
            body = copy.deepcopy(update)
            body["update_id"] = self._next_update_id
            self._next_update_id += 1
            self._updates.append(body)
            self._cond.notify_all()
            return copy.deepcopy(body)

    def _chat_for_sender(
        self,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        username: str | None,
        first_name: str | None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        user = self._ensure_user(user_id, username, first_name)
        if chat_id is None:
            chat_id = {
                "private": user_id,
                "group": DEFAULT_GROUP_CHAT_ID,
                "supergroup": DEFAULT_SUPERGROUP_CHAT_ID,
            }.get(chat_type)
            if chat_id is None:
                raise ValueError(f"pass chat_id explicitly for chat_type {chat_type!r}")
        if chat_type == "private" and chat_id != user_id:
            raise ValueError("in a private chat chat_id must equal user_id")
        return user, self._ensure_chat(chat_id, chat_type, user)

    def _user_message(
        self,
        user: dict[str, Any],
        chat: dict[str, Any],
        reply_to_message: dict[str, Any] | None,
        content: dict[str, Any],
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat["id"]),
            "from": copy.deepcopy(user),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
            **content,
        }
        if reply_to_message is not None:
            key = (reply_to_message["chat"]["id"], reply_to_message["message_id"])
            original = self._messages.get(key, reply_to_message)
            replied = copy.deepcopy(original)
            replied.pop("reply_to_message", None)
            message["reply_to_message"] = replied
        self._messages[(chat["id"], message["message_id"])] = message
        return copy.deepcopy(message)

    def send_text(
        self,
        text: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = None,
        first_name: str | None = None,
        reply_to_message: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Enqueue a text message from a user; returns the update dict.

        ``chat_id`` defaults to the user's private chat, or :data:`DEFAULT_GROUP_CHAT_ID` /
        :data:`DEFAULT_SUPERGROUP_CHAT_ID` for group types.  ``entities=None`` auto-detects
        commands, mentions, URLs and hashtags the way Telegram's servers do.
        """
        with self._cond:
            user, chat = self._chat_for_sender(user_id, chat_id, chat_type, username, first_name)
            content: dict[str, Any] = {"text": text}
            detected = _auto_entities(text) if entities is None else entities
            if detected:
                content["entities"] = copy.deepcopy(detected)
            message = self._user_message(user, chat, reply_to_message, content)
            return self.enqueue_update({"message": message})

    def send_command(
        self,
        command: str,
        args: str = "",
        *,
        with_bot_username: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Enqueue ``/command [args]`` with a ``bot_command`` entity (kwargs as send_text).

        ``with_bot_username`` produces ``/command@bot`` as clients do in groups.
        """
        name = command.lstrip("/")
        head = f"/{name}@{self.bot_user['username']}" if with_bot_username else f"/{name}"
        text = f"{head} {args}" if args else head
        entities = [{"type": "bot_command", "offset": 0, "length": _utf16_len(head)}]
        return self.send_text(text, entities=entities, **kwargs)

    def mention(self, text: str, *, chat_type: str = "group", **kwargs: Any) -> dict[str, Any]:
        """Enqueue ``@bot_username text`` (a mention entity), by default in a group."""
        handle = f"@{self.bot_user['username']}"
        full = f"{handle} {text}" if text else handle
        entities = [{"type": "mention", "offset": 0, "length": _utf16_len(handle)}]
        return self.send_text(full, chat_type=chat_type, entities=entities, **kwargs)

    def reply_to(
        self, message: dict[str, Any], text: str, *, user_id: int | None = None
    ) -> dict[str, Any]:
        """Enqueue a user's text reply to ``message`` in that message's chat."""
        chat = message["chat"]
        if user_id is None:
            user_id = chat["id"] if chat["type"] == "private" else DEFAULT_USER_ID
        return self.send_text(
            text,
            user_id=user_id,
            chat_id=chat["id"],
            chat_type=chat["type"],
            reply_to_message=message,
        )

    def press_button(
        self,
        message: dict[str, Any],
        data: str,
        *,
        user_id: int | None = None,
        strict: bool = True,
    ) -> dict[str, Any]:
        """Enqueue a callback_query for a button on ``message`` (a bot message dict).

        The update carries the message's *current* state.  With ``strict`` the button
        must exist on the current keyboard (a user cannot press a removed button), so a test
        clicking a stale keyboard fails loudly with ``ValueError``.
        """
        with self._cond:
            key = (message["chat"]["id"], message["message_id"])
            current = self._messages.get(key)
            if current is None:
                raise ValueError(f"message {key} does not exist (deleted or never sent)")
            if strict:
                available = [
                    button.get("callback_data")
                    for row in current.get("reply_markup", {}).get("inline_keyboard", [])
                    for button in row
                ]
                if data not in available:
                    raise ValueError(f"no button with callback_data {data!r}; have {available}")
            chat = current["chat"]
            if user_id is None:
                user_id = chat["id"] if chat["type"] == "private" else DEFAULT_USER_ID
            user = self._ensure_user(user_id)
            query = {
                "id": str(4_000_000_000_000 + next(self._ids)),
                "from": copy.deepcopy(user),
                "message": copy.deepcopy(current),
                "chat_instance": str(5_000_000_000_000 + abs(chat["id"])),
                "data": data,
            }
            self._callback_queries[query["id"]] = query
            return self.enqueue_update({"callback_query": query})

    def press_inline_button(
        self, inline_message_id: str, data: str, *, user_id: int = DEFAULT_USER_ID
    ) -> dict[str, Any]:
        """Enqueue a callback_query for a button on an inline-mode message."""
        with self._cond:
            if inline_message_id not in self._inline_messages:
                raise ValueError(f"unknown inline_message_id {inline_message_id!r}")
            user = self._ensure_user(user_id)
            query = {
                "id": str(4_000_000_000_000 + next(self._ids)),
                "from": copy.deepcopy(user),
                "inline_message_id": inline_message_id,
                "chat_instance": str(6_000_000_000_000 + user_id),
                "data": data,
            }
            self._callback_queries[query["id"]] = query
            return self.enqueue_update({"callback_query": query})

    def inline_query(
        self,
        query: str,
        *,
        user_id: int = DEFAULT_USER_ID,
        offset: str = "",
        chat_type: str | None = "sender",
    ) -> dict[str, Any]:
        """Enqueue an inline query ``@bot query`` typed by ``user_id``."""
        with self._cond:
            user = self._ensure_user(user_id)
            body: dict[str, Any] = {
                "id": str(3_000_000_000_000 + next(self._ids)),
                "from": copy.deepcopy(user),
                "query": query,
                "offset": offset,
            }
            if chat_type:
                body["chat_type"] = chat_type
            self._inline_queries[body["id"]] = body
            return self.enqueue_update({"inline_query": body})

    def choose_inline_result(
        self,
        result_id: str,
        query: str = "",
        *,
        user_id: int = DEFAULT_USER_ID,
        inline_message_id: str | None = None,
    ) -> dict[str, Any]:
        """Enqueue a chosen_inline_result and create the inline message it produced.

        The inline message's text/markup come from the most recent answerInlineQuery result
        with ``result_id`` so later ``editMessageText(inline_message_id=...)`` calls are
        checked against realistic state.
        """
        with self._cond:
            user = self._ensure_user(user_id)
            inline_id = inline_message_id or f"AgAAA{next(self._ids):08d}{secrets.token_hex(4)}"
            state: dict[str, Any] = {"text": ""}
            for answer in reversed(list(self._inline_answers.values())):
                match = next(
                    (r for r in answer.get("results", []) if str(r.get("id")) == result_id),
                    None,
                )
                if match is not None:
                    content = match.get("input_message_content") or {}
                    if "message_text" in content:
                        text, entities = _format_text(
                            str(content["message_text"]),
                            content.get("parse_mode"),
                            content.get("entities"),
                        )
                        state = {"text": text}
                        if entities:
                            state["entities"] = entities
                    if match.get("reply_markup"):
                        state["reply_markup"] = copy.deepcopy(match["reply_markup"])
                    break
            self._inline_messages[inline_id] = state
            body = {
                "result_id": result_id,
                "from": copy.deepcopy(user),
                "query": query,
                "inline_message_id": inline_id,
            }
            return self.enqueue_update({"chosen_inline_result": body})

    def register_file(
        self, filename: str, data: bytes, *, mime_type: str | None = None
    ) -> dict[str, Any]:
        """Register a file so getFile and the download URL serve it; returns a Document."""
        with self._cond:
            return self._store_file(filename, data, mime_type).document()

    def send_document(
        self,
        filename: str,
        data: bytes,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str = "private",
        caption: str | None = None,
        mime_type: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> dict[str, Any]:
        """Enqueue a user message carrying a document (downloadable through getFile)."""
        with self._cond:
            user, chat = self._chat_for_sender(user_id, chat_id, chat_type, username, first_name)
            stored = self._store_file(filename, data, mime_type)
            content: dict[str, Any] = {"document": stored.document()}
            if caption is not None:
                content["caption"] = caption
                detected = _auto_entities(caption)
                if detected:
                    content["caption_entities"] = detected
            message = self._user_message(user, chat, None, content)
            return self.enqueue_update({"message": message})

    def _store_file(self, filename: str, data: bytes, mime_type: str | None) -> _StoredFile:
        number = next(self._ids)
        suffix = ""
        if "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1][:10]
        guessed = mimetypes.guess_type(filename)[0]
        stored = _StoredFile(
            file_id=f"BQACAgIAAxkBAAI{number:06d}{secrets.token_hex(6)}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"documents/file_{number}{suffix}",
            filename=filename,
            data=bytes(data),
            mime_type=mime_type or guessed or "application/octet-stream",
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    # ---------------------------------------------------------------- HTTP entry point

    def _handle_http(self, raw_path: str, headers: Message, body: bytes) -> tuple[int, str, bytes]:
        """Route one HTTP request; returns (status, content type, body)."""
        split = urllib.parse.urlsplit(raw_path)
        path = urllib.parse.unquote(split.path)
        if path.startswith("/file/bot"):
            _, _, file_path = path[len("/file/bot") :].partition("/")
            with self._cond:
                stored = self._files_by_path.get(file_path)
            if stored is None:
                return self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return 200, stored.mime_type, stored.data
        if not path.startswith("/bot"):
            return self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, _, method = path[len("/bot") :].partition("/")
        with self._cond:
            if token not in self._tokens:
                self._tokens.append(token)
        if not method:
            return self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        try:
            params = _parse_request(split.query, headers, body)
        except ApiError as err:
            return self._json(err.error_code, err.payload())
        return self._call_api(method, params)

    @staticmethod
    def _json(status: int, body: dict[str, Any]) -> tuple[int, str, bytes]:
        return status, "application/json", json.dumps(body, ensure_ascii=False).encode("utf-8")

    def _call_api(self, method: str, params: dict[str, Any]) -> tuple[int, str, bytes]:
        with self._cond:
            canonical = self._canonical.get(method.lower(), method)
        fault = self._take_fault(canonical)
        if fault is not None:
            with self._cond:
                self._fault_counts[fault.kind] += 1
                self._fault_log.append((canonical, fault.kind))
            if fault.kind == "slow":
                time.sleep(fault.delay)
            else:
                if fault.kind == "429":
                    error = ApiError(
                        429,
                        f"Too Many Requests: retry after {fault.retry_after}",
                        {"retry_after": fault.retry_after},
                    )
                elif fault.kind == "502":
                    error = ApiError(502, "Bad Gateway")
                else:
                    error = ApiError(500, "Internal Server Error")
                return self._fail(canonical, params, error)
        with self._cond:
            impl = self._methods.get(canonical)
            if impl is None:
                return self._fail(canonical, params, ApiError(404, "Not Found: method not found"))
            try:
                result = impl(params)
            except ApiError as error:
                return self._fail(canonical, params, error)
            self._calls.append(Call(canonical, params, time.time()))
            self._cond.notify_all()
            return self._json(200, {"ok": True, "result": result})

    def _fail(self, method: str, params: dict[str, Any], error: ApiError) -> tuple[int, str, bytes]:
        with self._cond:
            self._failed.append(
                FailedCall(method, params, time.time(), error.error_code, error.description)
            )
            self._cond.notify_all()
        return self._json(error.error_code, error.payload())

    # ---------------------------------------------------------------- Bot API methods
    # All run with self._cond held (getUpdates releases it while waiting).

    def _api_get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(self.bot_user)

    def _update_allowed(self, update: dict[str, Any]) -> bool:
        kinds = [key for key in update if key != "update_id"]
        if not kinds:
            return True
        if self._allowed_updates:
            return kinds[0] in self._allowed_updates
        return kinds[0] not in _OPT_IN_UPDATE_TYPES

    def _confirm_updates(self, offset: int) -> None:
        before = len(self._updates)
        if offset > 0:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        elif offset < 0:
            while len(self._updates) > -offset:
                self._updates.popleft()
        # Updates the bot did not subscribe to are dropped, as Telegram does.
        if any(not self._update_allowed(u) for u in self._updates):
            self._updates = collections.deque(u for u in self._updates if self._update_allowed(u))
        if len(self._updates) != before:
            self._cond.notify_all()  # wakes wait_updates_delivered()

    def _api_get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self._webhook["url"]:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), MAX_POLL_TIMEOUT)
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()
        deadline = time.monotonic() + timeout
        while True:
            if self._poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            self._confirm_updates(offset)
            if self._updates or self._stopping:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._waiting_polls += 1
            self._cond.notify_all()  # lets tests observe that a long poll is parked
            try:
                self._cond.wait(remaining)
            finally:
                self._waiting_polls -= 1
        return copy.deepcopy(list(self._updates)[:limit])

    def _api_delete_webhook(self, params: dict[str, Any]) -> bool:
        self._webhook = {"url": ""}
        if params.get("drop_pending_updates"):
            self._updates.clear()
            self._cond.notify_all()
        return True

    def _api_set_webhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if url and not url.startswith("https://"):
            raise _bad_request("bad webhook: HTTPS url must be provided for webhook")
        self._webhook = {"url": url, **{k: v for k, v in params.items() if k != "url"}}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook["url"]:
            info["max_connections"] = int(self._webhook.get("max_connections") or 40)
            if self._webhook.get("allowed_updates") is not None:
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    @staticmethod
    def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
        normal = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(normal, sort_keys=True), str(language_code or "")

    def _api_set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = copy.deepcopy(commands)
        return True

    def _api_get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    def _api_delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(self._scope_key(params.get("scope"), params.get("language_code")), None)
        return True

    @staticmethod
    def _inline_markup(markup: Any) -> dict[str, Any] | None:
        """Validate a reply_markup; return it if it is an inline keyboard (the only kind
        Telegram echoes back in the Message), else None."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request('can\'t parse inline keyboard button: field "inline_keyboard"')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
                actions = set(button) - {"text"}
                if not actions:
                    raise _bad_request("text buttons are unallowed in the inline keyboard")
                if "callback_data" in button:
                    size = len(str(button["callback_data"]).encode("utf-8"))
                    if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                        raise _bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(
                    r"^(https?|tg)://", str(button["url"]), re.IGNORECASE
                ):
                    raise _bad_request(
                        f"inline keyboard button URL '{button['url']}' is invalid: "
                        "unsupported URL protocol"
                    )
        return copy.deepcopy(markup)

    def _new_bot_message(
        self, chat: dict[str, Any], params: dict[str, Any], content: dict[str, Any]
    ) -> dict[str, Any]:
        """Store a bot-sent message built from ``content`` and the common send params."""
        chat_id = chat["id"]
        reply_to: Any = None
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id")
            allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
        else:
            reply_to = params.get("reply_to_message_id")
            allow_missing = bool(params.get("allow_sending_without_reply"))
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        if params.get("message_thread_id"):
            message["message_thread_id"] = int(params["message_thread_id"])
        if reply_to:
            original = self._messages.get((chat_id, int(reply_to)))
            if original is None and not allow_missing:
                raise _bad_request("message to be replied not found")
            if original is not None:
                replied = copy.deepcopy(original)
                replied.pop("reply_to_message", None)
                message["reply_to_message"] = replied
        message.update({k: v for k, v in content.items() if v not in (None, [], "")})
        if isinstance(params.get("link_preview_options"), dict):
            message["link_preview_options"] = copy.deepcopy(params["link_preview_options"])
        if params.get("protect_content"):
            message["has_protected_content"] = True
        key = (chat_id, message["message_id"])
        self._messages[key] = message
        self._bot_message_keys.append(key)
        return copy.deepcopy(message)

    def _api_send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._resolve_chat(params.get("chat_id"))
        raw = params.get("text")
        if raw is None or str(raw) == "":
            raise _bad_request("message text is empty")
        text, entities = _format_text(str(raw), params.get("parse_mode"), params.get("entities"))
        if not text:
            raise _bad_request("message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        markup = self._inline_markup(params.get("reply_markup"))
        return self._new_bot_message(
            chat, params, {"text": text, "entities": entities, "reply_markup": markup}
        )

    def _edit_target(self, params: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Return (mutable state, is_inline) for an edit request, validating ownership."""
        inline_id = params.get("inline_message_id")
        if inline_id:
            state = self._inline_messages.get(str(inline_id))
            if state is None:
                raise _bad_request("MESSAGE_ID_INVALID")
            return state, True
        if params.get("chat_id") in (None, "") or params.get("message_id") in (None, ""):
            raise _bad_request("message identifier is not specified")
        chat = self._resolve_chat(params.get("chat_id"))
        message = self._messages.get((chat["id"], int(params["message_id"])))
        if message is None:
            raise _bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise _bad_request("message can't be edited")
        return message, False

    @staticmethod
    def _apply_edit(state: dict[str, Any], changes: dict[str, Any]) -> None:
        """Apply edit fields; raise Telegram's "not modified" error if nothing changes."""
        if all(state.get(key) == value for key, value in changes.items()):
            raise _bad_request(_NOT_MODIFIED)
        for key, value in changes.items():
            if value in (None, []):
                state.pop(key, None)
            else:
                state[key] = copy.deepcopy(value)

    def _edit_result(self, state: dict[str, Any], is_inline: bool) -> Any:
        if is_inline:
            return True
        state["edit_date"] = int(time.time())
        return copy.deepcopy(state)

    def _api_edit_message_text(self, params: dict[str, Any]) -> Any:
        state, is_inline = self._edit_target(params)
        raw = params.get("text")
        if raw is None or str(raw) == "":
            raise _bad_request("message text is empty")
        if not is_inline and "text" not in state:
            raise _bad_request("there is no text in the message to edit")
        text, entities = _format_text(str(raw), params.get("parse_mode"), params.get("entities"))
        if not text:
            raise _bad_request("message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        # Like Telegram: omitting reply_markup on an edit removes the inline keyboard.
        markup = self._inline_markup(params.get("reply_markup"))
        self._apply_edit(
            state, {"text": text, "entities": entities or None, "reply_markup": markup}
        )
        return self._edit_result(state, is_inline)

    def _api_edit_message_caption(self, params: dict[str, Any]) -> Any:
        state, is_inline = self._edit_target(params)
        if not is_inline and "text" in state:
            raise _bad_request("there is no caption in the message to edit")
        text, entities = _format_text(
            str(params.get("caption") or ""),
            params.get("parse_mode"),
            params.get("caption_entities"),
        )
        if len(text) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        markup = self._inline_markup(params.get("reply_markup"))
        self._apply_edit(
            state,
            {"caption": text or None, "caption_entities": entities or None, "reply_markup": markup},
        )
        return self._edit_result(state, is_inline)

    def _api_edit_message_reply_markup(self, params: dict[str, Any]) -> Any:
        state, is_inline = self._edit_target(params)
        markup = self._inline_markup(params.get("reply_markup"))
        self._apply_edit(state, {"reply_markup": markup})
        return self._edit_result(state, is_inline)

    def _api_delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._resolve_chat(params.get("chat_id"))
        if params.get("message_id") in (None, ""):
            raise _bad_request("message identifier is not specified")
        key = (chat["id"], int(params["message_id"]))
        if self._messages.pop(key, None) is None:
            raise _bad_request("message to delete not found")
        self._deleted.append(key)
        return True

    def _api_answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._callback_queries or query_id in self._callback_answers:
            raise _bad_request(_QUERY_TOO_OLD)
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._callback_answers[query_id] = copy.deepcopy(params)
        return True

    def _api_answer_inline_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self._inline_queries or query_id in self._inline_answers:
            raise _bad_request(_QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise _bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or not result.get("type"):
                raise _bad_request('can\'t parse InlineQueryResult: field "type" must be a string')
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode("utf-8")) <= 64:
                raise _bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise _bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                _format_text(
                    str(content["message_text"]), content.get("parse_mode"), content.get("entities")
                )
            if result.get("reply_markup") is not None:
                self._inline_markup(result["reply_markup"])
        self._inline_answers[query_id] = copy.deepcopy(params)
        return True

    def _api_send_chat_action(self, params: dict[str, Any]) -> bool:
        self._resolve_chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _api_send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._resolve_chat(params.get("chat_id"))
        document = params.get("document")
        if isinstance(document, UploadedFile):
            if not document.data:
                raise _bad_request("file must be non-empty")
            content_type = document.content_type
            generic = content_type in ("", "application/octet-stream")
            stored = self._store_file(
                document.filename or "document", document.data, None if generic else content_type
            )
        elif isinstance(document, str) and document in self._files:
            stored = self._files[document]
        elif isinstance(document, str) and re.match(r"^https?://", document):
            name = urllib.parse.urlsplit(document).path.rsplit("/", 1)[-1] or "document"
            stored = self._store_file(name, b"", None)
        elif document in (None, ""):
            raise _bad_request("there is no document in the request")
        else:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        caption, caption_entities = _format_text(
            str(params.get("caption") or ""),
            params.get("parse_mode"),
            params.get("caption_entities"),
        )
        if len(caption) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        markup = self._inline_markup(params.get("reply_markup"))
        message = self._new_bot_message(
            chat,
            params,
            {
                "document": stored.document(),
                "caption": caption,
                "caption_entities": caption_entities,
                "reply_markup": markup,
            },
        )
        self._documents.append(SentDocument(stored.filename, stored.data))
        return message

    def _api_get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_SIZE:
            raise _bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }
