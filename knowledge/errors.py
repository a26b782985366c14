"""Errors that reach users: each carries a Vietnamese message naming the file and the reason.

Why a dedicated type: the CLI and the bot print ``str(error)`` as is, so the message must be
complete and human-readable; anything else escaping is a bug.
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base for errors whose message is safe and meant to be shown to a user (Vietnamese)."""


class LoadError(KnowledgeError):
    """A source file could not be read into text (format, encoding, size, emptiness...)."""

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = reason
        super().__init__(f"Không đọc được tệp “{filename}”: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        # Picklable with its two arguments: uploads are parsed in a worker process.
        return type(self), (self.filename, self.reason)


class StructureError(KnowledgeError):
    """Text was read but no citable structure (articles, sections, paragraphs) was found."""

    def __init__(self, filename: str, reason: str) -> None:
        self.filename = filename
        self.reason = reason
        super().__init__(f"Không phân tích được tệp “{filename}”: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return type(self), (self.filename, self.reason)
