"""The Bot API methods the bot calls, with the validation real Telegram applies.

Implemented: getMe, getUpdates (long polling), setWebhook/deleteWebhook, setMyCommands,
sendMessage, editMessageText, answerCallbackQuery, answerInlineQuery, sendChatAction,
sendDocument and getFile: what python-telegram-bot and our handlers call, nothing more.
Validation mirrors Telegram where bots commonly trip (parse errors, button data limits,
"message is not modified", unknown chats, answered callback queries), with the same
``description`` strings so the bot's error handling runs for real.  A test needing another
method registers it with :meth:`FakeBotApi.register_method`.
"""

from __future__ import annotations

import collections
import copy
import json
import re
import time
from collections.abc import Callable
from typing import Any

from .errors import ApiError, bad_request
from .markup import format_text
from .state import SentDocument, TelegramState
from .wire import UploadedFile

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
MAX_POLL_TIMEOUT = 50.0

# Update types Telegram withholds unless explicitly requested via allowed_updates.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

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

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


class BotApiMethods(TelegramState):
    """``_api_<method>(params) -> result`` for each method; all run with ``self._cond`` held
    (getUpdates releases it while it waits)."""

    def _method_table(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "getMe": self._api_get_me,
            "getUpdates": self._api_get_updates,
            "deleteWebhook": self._api_delete_webhook,
            "setWebhook": self._api_set_webhook,
            "setMyCommands": self._api_set_my_commands,
            "sendMessage": self._api_send_message,
            "editMessageText": self._api_edit_message_text,
            "answerCallbackQuery": self._api_answer_callback_query,
            "answerInlineQuery": self._api_answer_inline_query,
            "sendChatAction": self._api_send_chat_action,
            "sendDocument": self._api_send_document,
            "getFile": self._api_get_file,
        }

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
            raise bad_request("bad webhook: HTTPS url must be provided for webhook")
        self._webhook = {"url": url, **{k: v for k, v in params.items() if k != "url"}}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    @staticmethod
    def _scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
        normal = scope if isinstance(scope, dict) else {"type": "default"}
        return json.dumps(normal, sort_keys=True), str(language_code or "")

    def _api_set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.match(
                str(command.get("command", ""))
            ):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = copy.deepcopy(commands)
        return True

    @staticmethod
    def _inline_markup(markup: Any) -> dict[str, Any] | None:
        """Validate a reply_markup; return it if it is an inline keyboard (the only kind
        Telegram echoes back in the Message), else None."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('can\'t parse inline keyboard button: field "inline_keyboard"')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request("can't parse inline keyboard button: Text must be non-empty")
                actions = set(button) - {"text"}
                if not actions:
                    raise bad_request("text buttons are unallowed in the inline keyboard")
                if "callback_data" in button:
                    size = len(str(button["callback_data"]).encode("utf-8"))
                    if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(
                    r"^(https?|tg)://", str(button["url"]), re.IGNORECASE
                ):
                    raise bad_request(
                        f"inline keyboard button URL '{button['url']}' is invalid: "
                        "unsupported URL protocol"
                    )
        return copy.deepcopy(markup)

    def _new_bot_message(
        self, chat: dict[str, Any], params: dict[str, Any], content: dict[str, Any]
    ) -> dict[str, Any]:
        """Store a bot-sent message built from ``content`` and the common send params."""
        chat_id = chat["id"]
        # PTB sends replies as reply_parameters (never the legacy reply_to_message_id).
        reply_parameters = params.get("reply_parameters")
        if not isinstance(reply_parameters, dict):
            reply_parameters = {}
        reply_to = reply_parameters.get("message_id")
        allow_missing = bool(reply_parameters.get("allow_sending_without_reply"))
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "from": copy.deepcopy(self.bot_user),
            "chat": copy.deepcopy(chat),
            "date": int(time.time()),
        }
        if reply_to:
            original = self._messages.get((chat_id, int(reply_to)))
            if original is None and not allow_missing:
                raise bad_request("message to be replied not found")
            if original is not None:
                replied = copy.deepcopy(original)
                replied.pop("reply_to_message", None)
                message["reply_to_message"] = replied
        message.update({k: v for k, v in content.items() if v not in (None, [], "")})
        if isinstance(params.get("link_preview_options"), dict):
            message["link_preview_options"] = copy.deepcopy(params["link_preview_options"])
        key = (chat_id, message["message_id"])
        self._messages[key] = message
        self._bot_message_keys.append(key)
        return copy.deepcopy(message)

    def _message_text(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """The text (and entities) Telegram would store for a sendMessage/editMessageText."""
        raw = params.get("text")
        if raw is None or str(raw) == "":
            raise bad_request("message text is empty")
        text, entities = format_text(str(raw), params.get("parse_mode"), params.get("entities"))
        if not text:
            raise bad_request("message text is empty")
        if len(text) > MAX_MESSAGE_LENGTH:
            raise bad_request("message is too long")
        return text, entities

    def _api_send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._resolve_chat(params.get("chat_id"))
        text, entities = self._message_text(params)
        markup = self._inline_markup(params.get("reply_markup"))
        return self._new_bot_message(
            chat, params, {"text": text, "entities": entities, "reply_markup": markup}
        )

    def _edit_target(self, params: dict[str, Any]) -> dict[str, Any]:
        """The stored message an edit request names, validating that the bot may edit it."""
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID (this fake does not edit inline messages)")
        if params.get("chat_id") in (None, "") or params.get("message_id") in (None, ""):
            raise bad_request("message identifier is not specified")
        chat = self._resolve_chat(params.get("chat_id"))
        message = self._messages.get((chat["id"], int(params["message_id"])))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        return message

    def _api_edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._edit_target(params)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._message_text(params)
        # Like Telegram: omitting reply_markup on an edit removes the inline keyboard.
        changes = {
            "text": text,
            "entities": entities or None,
            "reply_markup": self._inline_markup(params.get("reply_markup")),
        }
        if all(message.get(key) == value for key, value in changes.items()):
            raise bad_request(_NOT_MODIFIED)
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = copy.deepcopy(value)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _api_answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._callback_queries or query_id in self._callback_answers:
            raise bad_request(_QUERY_TOO_OLD)
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_answers[query_id] = copy.deepcopy(params)
        return True

    def _api_answer_inline_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self._inline_queries or query_id in self._inline_answers:
            raise bad_request(_QUERY_TOO_OLD)
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict) or not result.get("type"):
                raise bad_request('can\'t parse InlineQueryResult: field "type" must be a string')
            result_id = str(result.get("id", ""))
            if not 1 <= len(result_id.encode("utf-8")) <= 64:
                raise bad_request("RESULT_ID_INVALID")
            if result_id in seen:
                raise bad_request("RESULT_ID_DUPLICATE")
            seen.add(result_id)
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                format_text(
                    str(content["message_text"]), content.get("parse_mode"), content.get("entities")
                )
            if result.get("reply_markup") is not None:
                self._inline_markup(result["reply_markup"])
        self._inline_answers[query_id] = copy.deepcopy(params)
        return True

    def _api_send_chat_action(self, params: dict[str, Any]) -> bool:
        self._resolve_chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _api_send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._resolve_chat(params.get("chat_id"))
        document = params.get("document")
        if isinstance(document, UploadedFile):
            if not document.data:
                raise bad_request("file must be non-empty")
            content_type = document.content_type
            generic = content_type in ("", "application/octet-stream")
            stored = self._store_file(
                document.filename or "document", document.data, None if generic else content_type
            )
        elif isinstance(document, str) and document in self._files:
            stored = self._files[document]
        elif document in (None, ""):
            raise bad_request("there is no document in the request")
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        caption, caption_entities = format_text(
            str(params.get("caption") or ""),
            params.get("parse_mode"),
            params.get("caption_entities"),
        )
        if len(caption) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
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
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }
