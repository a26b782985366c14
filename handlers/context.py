"""What every handler shares, and the typed context that carries it.

Why one container: handlers reach the knowledge base, the search engine and the activity
store only through these objects (never a database session of their own), and tests build an
application around a prepared store. ``BotContext`` (registered through PTB's
``ContextTypes``) gives each callback ``context.services`` with its type, instead of a
``bot_data`` lookup repeated in every module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from handlers.commands import Command
from knowledge.activity import ActivityStore
from knowledge.store import KnowledgeStore
from knowledge.worker import UploadWorker
from retrieval.conversation import Conversations
from retrieval.engine import SearchEngine

SERVICES_KEY = "services"
T = TypeVar("T")


@dataclass
class Services:
    """The deployment's objects and the few settings handlers act on (bot/ builds it)."""

    store: KnowledgeStore
    engine: SearchEngine
    activity: ActivityStore
    admin_ids: frozenset[int] = frozenset()
    sources_dir: Path = Path("../shared/corpus")
    """The folder /capnhat re-syncs."""
    commands: Sequence[Command] = ()
    """Every flow's commands, for /help (the menus are set from the same list)."""
    conversations: Conversations = field(default_factory=Conversations)
    """Each conversation's last question, for follow-ups (in memory, a few minutes)."""
    kb_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Serialises knowledge-base changes made from this process (publish, sync, remove)."""
    upload_worker: UploadWorker = field(default_factory=UploadWorker)
    """Where uploads are parsed: a process of their own, never the threads answers use."""
    base_salary: Decimal | None = None
    """``TDKT_LUONG_CO_SO``: turns "1,0 lần mức lương cơ sở" into đồng (None: never)."""

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admin_ids

    async def run(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run blocking work (database, index, parsing) in a thread: the bot keeps answering."""
        return await asyncio.to_thread(func, *args, **kwargs)

    async def parse(self, filename: str, func: Callable[..., T], /, *args: Any) -> T:
        """Run an upload's parsing in the upload worker (queued, with a time budget):
        answers never wait for it. Raises KnowledgeError with the admin's message."""
        return await asyncio.wrap_future(self.upload_worker.submit(filename, func, *args))


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context of this bot: PTB's, plus the shared services."""

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]


CONTEXT_TYPES = ContextTypes(context=BotContext)


def install(application: Application, services: Services) -> None:
    """Make ``services`` reachable from every callback as ``context.services``."""
    application.bot_data[SERVICES_KEY] = services
