"""What a test makes users do: write, command, mention, reply, press buttons, query inline,
send documents.  Each action queues the update Telegram would deliver to the bot, with the
entities Telegram's servers would add (PTB's ``CommandHandler`` needs them)."""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from .markup import auto_entities, format_text, utf16_len
from .state import (
    DEFAULT_GROUP_CHAT_ID,
    DEFAULT_SUPERGROUP_CHAT_ID,
    DEFAULT_USER_ID,
    TelegramState,
)


class UserActions(TelegramState):
    """Update builders; each returns the queued update (a dict, as the bot will receive it)."""

    def add_chat(self, chat_id: int, chat_type: str = "private") -> dict[str, Any]:
        """Make a chat known so the bot may message it without a prior incoming update.

        Why: like real Telegram, sending to a chat the fake never saw fails with
        ``chat not found``; broadcast-style tests register recipients here first.
        """
        with self._cond:
            if chat_type == "private":
                user = self._ensure_user(chat_id)
                return copy.deepcopy(self._ensure_chat(chat_id, "private", user))
            return copy.deepcopy(self._ensure_chat(chat_id, chat_type, None))

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """Simulate the user blocking (or unblocking) the bot: sends answer 403."""
        with self._cond:
            if blocked:
                self._blocked.add(user_id)
            else:
                self._blocked.discard(user_id)

    def _chat_for_sender(
        self, user_id: int, chat_id: int | None, chat_type: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        user = self._ensure_user(user_id)
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
        reply_to_message: dict[str, Any] | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Enqueue a text message from a user; returns the update dict.

        ``chat_id`` defaults to the user's private chat, or :data:`DEFAULT_GROUP_CHAT_ID` /
        :data:`DEFAULT_SUPERGROUP_CHAT_ID` for group types.  ``entities=None`` auto-detects
        commands, mentions, URLs and hashtags the way Telegram's servers do.
        """
        with self._cond:
            user, chat = self._chat_for_sender(user_id, chat_id, chat_type)
            content: dict[str, Any] = {"text": text}
            detected = auto_entities(text) if entities is None else entities
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
        entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(head)}]
        return self.send_text(text, entities=entities, **kwargs)

    def mention(self, text: str, *, chat_type: str = "group", **kwargs: Any) -> dict[str, Any]:
        """Enqueue ``@bot_username text`` (a mention entity), by default in a group."""
        handle = f"@{self.bot_user['username']}"
        full = f"{handle} {text}" if text else handle
        entities = [{"type": "mention", "offset": 0, "length": utf16_len(handle)}]
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

    def inline_query(self, query: str, *, user_id: int = DEFAULT_USER_ID) -> dict[str, Any]:
        """Enqueue an inline query ``@bot query`` typed by ``user_id`` in a private chat."""
        with self._cond:
            user = self._ensure_user(user_id)
            body: dict[str, Any] = {
                "id": str(3_000_000_000_000 + next(self._ids)),
                "from": copy.deepcopy(user),
                "query": query,
                "offset": "",
                "chat_type": "sender",
            }
            self._inline_queries[body["id"]] = body
            return self.enqueue_update({"inline_query": body})

    def choose_inline_result(
        self, result_id: str, query: str = "", *, user_id: int = DEFAULT_USER_ID
    ) -> dict[str, Any]:
        """Enqueue a chosen_inline_result and create the inline message it produced.

        The inline message's text/markup come from the most recent answerInlineQuery result
        with ``result_id``: :attr:`FakeBotApi.inline_messages` shows what the chat received.
        """
        with self._cond:
            user = self._ensure_user(user_id)
            inline_id = f"AgAAA{next(self._ids):08d}{secrets.token_hex(4)}"
            state: dict[str, Any] = {"text": ""}
            for answer in reversed(list(self._inline_answers.values())):
                match = next(
                    (r for r in answer.get("results", []) if str(r.get("id")) == result_id),
                    None,
                )
                if match is not None:
                    content = match.get("input_message_content") or {}
                    if "message_text" in content:
                        text, entities = format_text(
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

    def send_document(
        self,
        filename: str,
        data: bytes,
        *,
        user_id: int = DEFAULT_USER_ID,
        chat_id: int | None = None,
        chat_type: str = "private",
        caption: str | None = None,
    ) -> dict[str, Any]:
        """Enqueue a user message carrying a document (downloadable through getFile)."""
        with self._cond:
            user, chat = self._chat_for_sender(user_id, chat_id, chat_type)
            stored = self._store_file(filename, data, None)
            content: dict[str, Any] = {"document": stored.document()}
            if caption is not None:
                content["caption"] = caption
                detected = auto_entities(caption)
                if detected:
                    content["caption_entities"] = detected
            message = self._user_message(user, chat, None, content)
            return self.enqueue_update({"message": message})
