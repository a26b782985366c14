"""Settings from the environment, read once at start-up.

Why a dataclass and not globals: tests build several configurations side by side.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.db import default_database_url


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _admin_ids(raw: str) -> frozenset[int]:
    ids = set()
    for piece in raw.replace(";", ",").split(","):
        piece = piece.strip()
        if not piece:
            continue
        if not piece.lstrip("-").isdigit():
            raise ConfigError(f"TDKT_ADMIN_IDS: “{piece}” không phải là mã người dùng Telegram.")
        ids.add(int(piece))
    return frozenset(ids)


@dataclass(frozen=True)
class Settings:
    database_url: str
    sources_dir: Path
    token: str | None = None
    api_base_url: str | None = None
    admin_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=default_database_url(),
            sources_dir=Path(os.environ.get("TDKT_SOURCES_DIR", "../shared/corpus")),
            token=os.environ.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=os.environ.get("TELEGRAM_API_BASE_URL") or None,
            admin_ids=_admin_ids(os.environ.get("TDKT_ADMIN_IDS", "")),
        )

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(
                "Thiếu TELEGRAM_BOT_TOKEN: hãy đặt biến môi trường này bằng token do @BotFather "
                "cấp (ví dụ: export TELEGRAM_BOT_TOKEN=123456:ABC...)."
            )
        return self.token
