"""/tailieu: the documents in the knowledge base, with their status."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from handlers.commands import Command
from handlers.common import send_html
from handlers.context import BotContext
from handlers.render import render_documents

COMMANDS = (Command("tailieu", "Các văn bản trong cơ sở tri thức và hiệu lực"),)


async def list_documents(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    svc = context.services

    def load() -> list[str]:
        version = svc.store.current_version()
        return render_documents(svc.store.documents(), version)

    await send_html(context.bot, chat.id, await svc.run(load))


def handlers() -> list[BaseHandler]:
    return [CommandHandler("tailieu", list_documents)]
