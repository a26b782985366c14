"""Settings from the environment, read once at start-up: the one place that reads variables.

Why a dataclass and not globals: tests build several configurations side by side, and the
lower layers (``knowledge``, ``retrieval``) take what they need as arguments, so they work
from the CLI and tests without any environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.db import DEFAULT_DATA_DIR, default_database_url

DEFAULT_SOURCES_DIR = "../shared/corpus"
DEFAULT_REFRESH_SECONDS = 2.0


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


def _refresh_seconds(raw: str) -> float:
    """How often an instance checks for a new knowledge-base version (0.1–3600 s)."""
    raw = raw.strip()
    if not raw:
        return DEFAULT_REFRESH_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 3600:
        raise ConfigError(f"TDKT_REFRESH_SECONDS: “{raw}” không hợp lệ; hãy ghi số giây từ 0.1 "
                          "đến 3600, ví dụ 2.")
    return value


def _paths(raw: str) -> tuple[Path, ...]:
    return tuple(Path(p) for p in raw.split(os.pathsep) if p.strip())


@dataclass(frozen=True)
class Settings:
    """Every setting of a deployment (the README's configuration table)."""

    database_url: str
    sources_dir: Path
    token: str | None = None
    api_base_url: str | None = None
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    refresh_seconds: float = DEFAULT_REFRESH_SECONDS
    webhook_secret: str | None = None
    abbreviation_files: tuple[Path, ...] = ()
    """Extra ``[abbreviations]`` files merged over ``retrieval/data/abbreviations.toml``."""

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        url = env.get("TDKT_DATABASE_URL") or default_database_url(
            Path(env.get("TDKT_DATA_DIR") or DEFAULT_DATA_DIR))
        return cls(
            database_url=url,
            sources_dir=Path(env.get("TDKT_SOURCES_DIR", DEFAULT_SOURCES_DIR)),
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=env.get("TELEGRAM_API_BASE_URL") or None,
            admin_ids=_admin_ids(env.get("TDKT_ADMIN_IDS", "")),
            refresh_seconds=_refresh_seconds(env.get("TDKT_REFRESH_SECONDS", "")),
            webhook_secret=env.get("TDKT_WEBHOOK_SECRET") or None,
            abbreviation_files=_paths(env.get("TDKT_ABBREVIATIONS", "")),
        )

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments for ``retrieval.engine.SearchEngine``."""
        return {"check_interval": self.refresh_seconds,
                "abbreviation_files": self.abbreviation_files}

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(
                "Thiếu TELEGRAM_BOT_TOKEN: hãy đặt biến môi trường này bằng token do @BotFather "
                "cấp (ví dụ: export TELEGRAM_BOT_TOKEN=123456:ABC...)."
            )
        return self.token
