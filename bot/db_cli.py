"""``tdkt db upgrade`` / ``tdkt db current``: schema migrations for SQLite and PostgreSQL."""

from __future__ import annotations

import argparse

from bot.config import Settings
from knowledge.db import make_engine
from knowledge.schema import current_revision, head_revision, upgrade


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    before = current_revision(engine)
    upgrade(engine, args.revision)
    after = current_revision(engine)
    print(
        f"Lược đồ CSDL: {before or '(trống)'} → {after} "
        f"({engine.url.render_as_string(hide_password=True)})"
    )
    return 0


def cmd_db_current(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    current, head = current_revision(engine), head_revision(engine)
    state = "mới nhất" if current == head else f"cần nâng cấp lên {head}"
    print(f"Phiên bản lược đồ: {current or '(trống)'} — {state}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="quản lý lược đồ cơ sở dữ liệu (Alembic)").add_subparsers(
        dest="db_command", required=True
    )
    p = db.add_parser("upgrade", help="áp dụng các bản chuyển đổi lược đồ")
    p.add_argument("revision", nargs="?", default="head")
    p.set_defaults(func=cmd_db_upgrade)
    p = db.add_parser("current", help="phiên bản lược đồ hiện tại")
    p.set_defaults(func=cmd_db_current)
