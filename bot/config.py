"""Settings from the environment, read once at start-up: the one place that reads variables.

Why a dataclass and not globals: tests build several configurations side by side, and the
lower layers (``knowledge``, ``retrieval``) take what they need as arguments, so they work
from the CLI and tests without any environment.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from knowledge.activity import MIN_ID_KEY_BYTES
from knowledge.db import DEFAULT_DATA_DIR, default_database_url

DEFAULT_SOURCES_DIR = "../shared/corpus"
DEFAULT_REFRESH_SECONDS = 2.0
ID_KEY_FILE = "id-secret"


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
        raise ConfigError(
            f"TDKT_REFRESH_SECONDS: “{raw}” không hợp lệ; hãy ghi số giây từ 0.1 đến 3600, ví dụ 2."
        )
    return value


def _key_file(path: Path) -> bytes:
    """Read the key file, or create it (random, readable by this user only) the first time.

    Written to a private temporary file and linked into place, so another instance starting
    at the same moment reads either no file or the whole key, and both keep the same one.
    """
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".id-secret-")
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:  # mkstemp: mode 0600
            handle.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):  # another instance was first: use theirs
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_text(encoding="ascii").strip().encode()
    if len(key) < MIN_ID_KEY_BYTES:
        raise ConfigError(
            f"Tệp khóa “{path}” rỗng hoặc hỏng: hãy khôi phục bản sao lưu, hoặc "
            "xóa tệp để tạo khóa mới (thống kê sẽ đếm lại người dùng từ đầu)."
        )
    return key


_DONG = re.compile(r"\d{1,3}(?:[.\s]\d{3})+|\d+")


def _base_salary(raw: str) -> Decimal | None:
    """``TDKT_LUONG_CO_SO``: the base salary in đồng ("2340000", "2.340.000"); unset: none
    (the bot then never turns a coefficient into an amount: it is not guessed)."""
    raw = raw.strip()
    if not raw:
        return None
    if not _DONG.fullmatch(raw) or int(re.sub(r"\D", "", raw)) <= 0:
        raise ConfigError(
            f"TDKT_LUONG_CO_SO: “{raw}” không hợp lệ; hãy ghi mức lương cơ sở "
            "bằng số đồng, ví dụ 2340000 hoặc 2.340.000."
        )
    return Decimal(re.sub(r"\D", "", raw))


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
    locality: str | None = None
    """The deployment's own province or unit ("tỉnh Bắc Ninh"): its rules rank first on
    their subjects."""
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    id_secret: str | None = None
    """``TDKT_ID_SECRET``: the key of user-id hashes (else a file in ``data_dir``)."""
    base_salary: Decimal | None = None
    """``TDKT_LUONG_CO_SO``: the base salary (mức lương cơ sở) in đồng, to turn the texts'
    "1,0 lần mức lương cơ sở" into an amount; None: amounts are not computed."""

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        data_dir = Path(env.get("TDKT_DATA_DIR") or DEFAULT_DATA_DIR)
        url = env.get("TDKT_DATABASE_URL") or default_database_url(data_dir)
        return cls(
            database_url=url,
            sources_dir=Path(env.get("TDKT_SOURCES_DIR", DEFAULT_SOURCES_DIR)),
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=env.get("TELEGRAM_API_BASE_URL") or None,
            admin_ids=_admin_ids(env.get("TDKT_ADMIN_IDS", "")),
            refresh_seconds=_refresh_seconds(env.get("TDKT_REFRESH_SECONDS", "")),
            webhook_secret=env.get("TDKT_WEBHOOK_SECRET") or None,
            abbreviation_files=_paths(env.get("TDKT_ABBREVIATIONS", "")),
            locality=" ".join(env.get("TDKT_LOCALITY", "").split()) or None,
            data_dir=data_dir,
            id_secret=env.get("TDKT_ID_SECRET") or None,
            base_salary=_base_salary(env.get("TDKT_LUONG_CO_SO", "")),
        )

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments for ``retrieval.engine.SearchEngine``."""
        return {
            "check_interval": self.refresh_seconds,
            "abbreviation_files": self.abbreviation_files,
            "locality": self.locality,
        }

    def id_key(self) -> bytes:
        """The HMAC key for user ids: ``TDKT_ID_SECRET``, else the key file in the data folder,
        created once (random, mode 0600). Never in the database: see ``knowledge.activity``."""
        if self.id_secret is not None:
            if len(self.id_secret.encode()) < MIN_ID_KEY_BYTES:
                raise ConfigError(
                    f"TDKT_ID_SECRET quá ngắn: cần ít nhất {MIN_ID_KEY_BYTES} ký "
                    'tự ngẫu nhiên, ví dụ: python -c "import secrets; '
                    'print(secrets.token_hex(32))"'
                )
            return self.id_secret.encode()
        return _key_file(self.data_dir / ID_KEY_FILE)

    def require_token(self) -> str:
        if not self.token:
            raise ConfigError(
                "Thiếu TELEGRAM_BOT_TOKEN: hãy đặt biến môi trường này bằng token do @BotFather "
                "cấp (ví dụ: export TELEGRAM_BOT_TOKEN=123456:ABC...)."
            )
        return self.token
