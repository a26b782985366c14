"""Groups: answer /hoi, messages that mention the bot and replies to its messages; stay
silent on everything else (trainers' groups are busy)."""

from __future__ import annotations

import re

from telegram import Message, Update
from telegram.constants import MessageEntityType
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from handlers.ask import ASK_FOR_TEXT, answer_question
from handlers.commands import GROUP, Command
from handlers.common import command_argument, reply
from handlers.context import BotContext
from handlers.render import esc

COMMANDS = (
    Command("hoi", "Hỏi về thi đua, khen thưởng", usage="hoi câu hỏi", chats=frozenset({GROUP})),
)

HOI_USAGE = "Hãy gõ câu hỏi ngay sau lệnh, ví dụ: /hoi Tiêu chuẩn Chiến sĩ thi đua cơ sở là gì?"


def addressed_text(message: Message, bot_id: int, bot_username: str) -> str | None:
    """The question if the message is for the bot (mention or reply to it), else None."""
    text = message.text or ""
    mentioned = False
    handle = f"@{bot_username}".lower()
    for entity in message.entities or ():
        fragment = message.parse_entity(entity)
        if entity.type == MessageEntityType.MENTION and fragment.lower() == handle:
            mentioned = True
        elif (
            entity.type == MessageEntityType.TEXT_MENTION
            and entity.user
            and entity.user.id == bot_id
        ):
            mentioned = True
    replied = message.reply_to_message
    to_bot = (
        replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
    )
    if not (mentioned or to_bot):
        return None
    if mentioned:
        text = re.sub(re.escape(handle), " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


async def answer_hoi_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    question = command_argument(message.text)
    if not question.strip():
        await reply(update, esc(HOI_USAGE))
        return
    await answer_question(update, context, question)


async def answer_if_addressed(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    question = addressed_text(message, context.bot.id, context.bot.username)
    if question is None:
        return  # ordinary chatter: not for the bot
    if not question:
        await reply(update, esc(ASK_FOR_TEXT))
        return
    await answer_question(update, context, question)


def handlers() -> list[BaseHandler]:
    # An edited question addressed to the bot is answered anew (a group's other messages are
    # not all visible to the bot, so it cannot know whether its answer is still the last).
    group_text = (
        filters.TEXT & ~filters.COMMAND & filters.ChatType.GROUPS & filters.UpdateType.MESSAGES
    )
    return [
        CommandHandler("hoi", answer_hoi_command),
        MessageHandler(group_text, answer_if_addressed),
    ]
