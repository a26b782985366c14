"""What the fake Telegram knows: users, chats, messages, files and the queue of updates.

Shared by the Bot API methods (:mod:`.methods`, what the bot asks) and the user actions
(:mod:`.users`, what a test makes users do). Everything lives behind one
``threading.Condition``: a method, a user action and a test waiting on a condition never see
half-applied state.
"""

from __future__ import annotations

import collections
import copy
import itertools
import mimetypes
import secrets
import threading
from dataclasses import dataclass
from typing import Any, NamedTuple

from .errors import ApiError, bad_request

DEFAULT_BOT_ID = 7000000001
DEFAULT_BOT_USERNAME = "tdkt_test_bot"
DEFAULT_BOT_FIRST_NAME = "TDKT Test Bot"
DEFAULT_USER_ID = 100001
DEFAULT_USERNAME = "tester"
DEFAULT_FIRST_NAME = "Tester"
DEFAULT_GROUP_CHAT_ID = -4001
DEFAULT_SUPERGROUP_CHAT_ID = -1001000004001


class SentDocument(NamedTuple):
    """A document the bot sent (unpacks as ``filename, data``)."""

    filename: str
    data: bytes


@dataclass
class StoredFile:
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


class TelegramState:
    """The server-side state of one fake Telegram with one bot in it."""

    def __init__(self) -> None:
        self.bot_user: dict[str, Any] = {
            "id": DEFAULT_BOT_ID,
            "is_bot": True,
            "first_name": DEFAULT_BOT_FIRST_NAME,
            "username": DEFAULT_BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._cond = threading.Condition(threading.RLock())
        self._stopping = False
        self._ids = itertools.count(1)

        self._updates: collections.deque[dict[str, Any]] = collections.deque()
        self._next_update_id = 1
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
        self._inline_messages: dict[str, dict[str, Any]] = {}
        self._callback_queries: dict[str, dict[str, Any]] = {}
        self._callback_answers: dict[str, dict[str, Any]] = {}
        self._inline_queries: dict[str, dict[str, Any]] = {}
        self._inline_answers: dict[str, dict[str, Any]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._documents: list[SentDocument] = []

    def _ensure_user(self, user_id: int) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            default = user_id == DEFAULT_USER_ID
            user = {
                "id": user_id,
                "is_bot": False,
                "first_name": DEFAULT_FIRST_NAME if default else f"User{user_id}",
                "username": DEFAULT_USERNAME if default else f"user{user_id}",
                "language_code": "vi",
            }
            self._users[user_id] = user
        return user

    def _ensure_chat(
        self,
        chat_id: int,
        chat_type: str,
        user: dict[str, Any] | None,
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
            chat = {"id": chat_id, "type": chat_type, "title": f"Test {chat_type}"}
        else:
            raise ValueError(f"unknown chat_type {chat_type!r}")
        self._chats[chat_id] = chat
        return chat

    def _resolve_chat(self, chat_id: Any) -> dict[str, Any]:
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        try:
            chat = self._chats.get(int(chat_id))
        except (TypeError, ValueError):  # "@channelname": the bot only answers chats by id
            chat = None
        if chat is None:
            raise bad_request("chat not found")
        if chat["id"] in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
        return self._last_message_id[chat_id]

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

    def _store_file(self, filename: str, data: bytes, mime_type: str | None) -> StoredFile:
        number = next(self._ids)
        suffix = ""
        if "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1][:10]
        guessed = mimetypes.guess_type(filename)[0]
        stored = StoredFile(
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
