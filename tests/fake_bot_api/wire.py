"""Request decoding: a Bot API call's query string and body (JSON, urlencoded or multipart)
become one typed parameter dict, with uploaded files kept byte-exact."""

from __future__ import annotations

import email.utils
import json
import urllib.parse
from email.message import Message
from typing import Any, NamedTuple

from .errors import bad_request

# PTB (like most clients) JSON-encodes every non-string form value and sends strings raw.  To
# undo that faithfully we json-decode every form value except parameters that are strings in
# the Bot API schema (otherwise a message text "123" or "true" would change type).  Listed:
# the string parameters of the methods this fake implements.
_STRING_PARAMS = frozenset(
    {
        "action",
        "business_connection_id",
        "callback_query_id",
        "caption",
        "certificate",
        "document",
        "file_id",
        "inline_query_id",
        "ip_address",
        "language_code",
        "message_effect_id",
        "next_offset",
        "parse_mode",
        "secret_token",
        "text",
        "thumbnail",
        "url",
    }
)

# Parameters whose value is a JSON object/array even when a client nests it as a JSON string
# inside a JSON body (the Bot API accepts both).
_JSON_PARAMS = frozenset(
    {
        "allowed_updates",
        "button",
        "caption_entities",
        "commands",
        "entities",
        "link_preview_options",
        "reply_markup",
        "reply_parameters",
        "results",
        "scope",
    }
)


class UploadedFile(NamedTuple):
    """A multipart file part as received; appears in recorded ``params`` in place of a path."""

    filename: str
    data: bytes
    content_type: str


def _coerce_value(name: str, value: str) -> Any:
    """Undo the client's form encoding: JSON-decode everything but string-typed params."""
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _normalise_params(params: dict[str, Any]) -> dict[str, Any]:
    """Decode JSON-in-string values of object parameters (valid in JSON bodies too)."""
    for name in _JSON_PARAMS:
        value = params.get(name)
        if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
            try:
                params[name] = json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
    return params


def _disposition_param(headers: Message, name: str) -> str | None:
    """Read a Content-Disposition parameter, undoing RFC 2231 and httpx's HTML5 escaping."""
    value = headers.get_param(name, header="content-disposition")
    if value is None:
        return None
    text = email.utils.collapse_rfc2231_value(value)  # type: ignore[arg-type]
    return text.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")


def _parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into text fields and file parts.

    Why hand-rolled: ``cgi`` is gone in Python 3.13 and the ``email`` parser may rewrite line
    endings inside payloads; splitting on the CRLF-prefixed delimiter is byte-exact, which
    matters because tests compare uploaded and downloaded bytes.
    """
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    chunks = (b"\r\n" + body).split(delimiter)
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        _, newline, part = chunk.partition(b"\r\n")
        if not newline:
            continue
        if part.startswith(b"\r\n"):
            raw_headers, content = b"", part[2:]
        else:
            raw_headers, separator, content = part.partition(b"\r\n\r\n")
            if not separator:
                raise bad_request("can't parse multipart/form-data body")
        headers = Message()
        for line in raw_headers.decode("utf-8", "replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip()] = value.strip()
        name = _disposition_param(headers, "name")
        if not name:
            continue
        filename = _disposition_param(headers, "filename")
        if filename is None:
            fields[name] = content.decode("utf-8", "replace")
        else:
            content_type = headers.get_content_type() if "content-type" in headers else ""
            files[name] = UploadedFile(
                filename, content, content_type or "application/octet-stream"
            )
    return fields, files


def parse_request(query: str, headers: Message, body: bytes) -> dict[str, Any]:
    """Turn query string + JSON/urlencoded/multipart body into one typed parameter dict."""
    params: dict[str, Any] = {
        key: _coerce_value(key, value)
        for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True)
    }
    content_type = headers.get_content_type() if "content-type" in headers else ""
    if not body:
        return _normalise_params(params)
    if content_type == "application/json":
        try:
            decoded = json.loads(body.decode("utf-8"))
        except ValueError as exc:
            raise bad_request("can't parse JSON request body") from exc
        if not isinstance(decoded, dict):
            raise bad_request("JSON request body must be an object")
        params.update(decoded)
    elif content_type == "multipart/form-data":
        boundary = headers.get_param("boundary")
        if not isinstance(boundary, str) or not boundary:
            raise bad_request("multipart/form-data without boundary")
        fields, files = _parse_multipart(body, boundary)
        params.update({key: _coerce_value(key, value) for key, value in fields.items()})
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                attached = files.get(value[len("attach://") :])
                if attached is None:
                    raise bad_request(f"file {value} not found in the request")
                params[key] = attached
        for key, uploaded in files.items():
            params.setdefault(key, uploaded)
    else:
        text = body.decode("utf-8", "replace")
        for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
            params[key] = _coerce_value(key, value)
    return _normalise_params(params)
