"""Test tooling run by hand against the fake Bot API server (``python -m tests.tools.NAME``).

Why under tests/: these tools drive the real bot through ``tests.fake_bot_api`` and
``tests.bot_harness``; ``scripts/`` never imports ``tests/``.
"""
