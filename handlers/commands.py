"""Commands as each flow declares them: the menus and /help are built from these.

Why declarations: a command used to live in its module, its menu entry in the wiring and its
help line in /start's text, with nothing linking them; now each flow module lists its own
``COMMANDS`` once and everything else is derived.
"""

from __future__ import annotations

from dataclasses import dataclass

PRIVATE = "private"
GROUP = "group"


@dataclass(frozen=True)
class Command:
    """One slash command: ``name`` without the slash, the menu's one-line ``description``,
    the ``usage`` shown in /help, where it is offered, and whether only admins may use it."""

    name: str
    description: str
    usage: str = ""
    chats: frozenset[str] = frozenset({PRIVATE, GROUP})
    admin: bool = False
    menu: bool = True
    """False for commands that work but stay out of the menu (/start is in it, /hoi only in
    groups' menu)."""

    @property
    def help_line(self) -> str:
        """ "/dieu 84 [số hiệu] — xem nguyên văn một điều" (plain text)."""
        return f"/{self.usage or self.name} — {self.description[0].lower()}{self.description[1:]}"


def menu(
    commands: list[Command] | tuple[Command, ...], chat: str, *, admin: bool = False
) -> list[Command]:
    """The commands a chat type's menu lists (admins' private menu adds theirs)."""
    return [c for c in commands if c.menu and chat in c.chats and (admin or not c.admin)]
