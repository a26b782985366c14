"""The shared objects every handler uses, kept in ``application.bot_data["services"]``.

Why one container: handlers reach the knowledge base, the search engine and the activity
store only through these objects (never a database session of their own), and tests can
build an application around a prepared store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from telegram.ext import CallbackContext

from bot.answers import Catalog
from bot.config import Settings
from knowledge.activity import ActivityStore
from knowledge.store import KnowledgeStore
from retrieval.engine import SearchEngine

SERVICES_KEY = "services"
T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    store: KnowledgeStore
    engine: SearchEngine
    activity: ActivityStore
    catalog: Catalog
    kb_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Serialises knowledge-base changes made from this process (publish, sync, remove)."""

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids

    async def run(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run blocking work (database, index, parsing) in a thread: the bot keeps answering."""
        return await asyncio.to_thread(func, *args, **kwargs)


def services(context: CallbackContext) -> Services:
    return context.application.bot_data[SERVICES_KEY]
