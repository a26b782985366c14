"""Bot API errors: what the HTTP layer turns into Telegram's ``ok: false`` answers."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API ``ok: false`` answer.

    Why an exception: method implementations stay linear (validate, then raise) while the HTTP
    layer turns this into the exact JSON body and HTTP status real Telegram uses, which PTB
    maps to ``BadRequest``/``Forbidden``/``RetryAfter``/``NetworkError``.  Raise it from a
    function registered with :meth:`FakeBotApi.register_method` too.
    """

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    """Build a 400 with Telegram's ``Bad Request: ...`` prefix (PTB raises ``BadRequest``)."""
    return ApiError(400, f"Bad Request: {message}")


def parse_error(message: str) -> ApiError:
    """Build the 400 Telegram returns when ``parse_mode`` markup is malformed."""
    return bad_request(f"can't parse entities: {message}")
