"""Alembic environment: uses the engine handed over by knowledge.schema (or the URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import knowledge.activity  # noqa: F401  (registers the bot's tables on Base.metadata)
import knowledge.store  # noqa: F401  (registers the knowledge tables on Base.metadata)
from knowledge.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine(
        config.get_main_option("sqlalchemy.url")
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
