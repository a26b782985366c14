"""Fixtures of the fake server's own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_bot_api import FakeBotApi


@pytest.fixture
def server() -> Iterator[FakeBotApi]:
    """A started fake server, stopped after the test even if it fails."""
    with FakeBotApi() as fake:
        yield fake
