"""/tailieu: the documents in the knowledge base, with their status."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bot.render import render_documents
from bot.services import services
from handlers.common import send_html


async def on_tailieu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)

    def load() -> list[str]:
        version = svc.store.current_version()
        return render_documents(svc.catalog.documents(version), version)

    await send_html(context.bot, chat.id, await svc.run(load))


def handlers() -> list:
    return [CommandHandler("tailieu", on_tailieu)]
