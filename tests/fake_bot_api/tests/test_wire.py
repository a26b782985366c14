"""The wire protocol: JSON, form and multipart bodies, byte-exact files, long polling with
offsets, and the 409 conflicts Telegram answers."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from tests.fake_bot_api import DEFAULT_USER_ID, FakeBotApi, SentDocument

from .echo_bot import TOKEN


def test_wire_encodings_files_and_unknown_method(server: FakeBotApi) -> None:
    """urlencoded, JSON and multipart bodies decode alike; files round-trip byte-exact."""
    server.add_chat(DEFAULT_USER_ID)
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    blob = b"\r\n--not-the-boundary\r\n\x00\xff" * 100
    with httpx.Client(base_url=f"{server.url}/bot{TOKEN}") as client:
        form = client.post(
            "/sendMessage",
            data={
                "chat_id": str(DEFAULT_USER_ID),
                "text": "123",
                "reply_markup": json.dumps(markup),
                "disable_notification": "true",
            },
        )
        assert form.status_code == 200
        assert form.json()["result"]["reply_markup"] == markup
        params = server.calls_to("sendMessage")[-1]
        assert params["chat_id"] == DEFAULT_USER_ID
        assert params["text"] == "123"  # string-typed params are never JSON-decoded
        assert params["disable_notification"] is True

        as_json = client.post(
            "/SENDMESSAGE",  # method names are case-insensitive, as on Telegram
            json={"chat_id": DEFAULT_USER_ID, "text": "json", "reply_markup": json.dumps(markup)},
        )
        assert as_json.json()["ok"] is True
        assert server.calls_to("sendMessage")[-1]["reply_markup"] == markup

        upload = client.post(
            "/sendDocument",
            data={
                "chat_id": str(DEFAULT_USER_ID),
                "caption": "Tệp",
                "reply_markup": json.dumps(markup),
            },
            files={"document": ("tệp tin.pdf", blob, "application/pdf")},
        )
        document = upload.json()["result"]["document"]
        assert (document["file_name"], document["mime_type"]) == ("tệp tin.pdf", "application/pdf")
        assert server.documents[-1] == SentDocument("tệp tin.pdf", blob)

        resend = client.post(
            "/sendDocument", data={"chat_id": DEFAULT_USER_ID, "document": document["file_id"]}
        )
        assert resend.json()["result"]["document"]["file_id"] == document["file_id"]

        file_path = client.get("/getFile", params={"file_id": document["file_id"]}).json()[
            "result"
        ]["file_path"]
        download = httpx.get(f"{server.url}/file/bot{TOKEN}/{file_path}")
        assert download.status_code == 200 and download.content == blob
        assert httpx.get(f"{server.url}/file/bot{TOKEN}/documents/nope").status_code == 404

        unknown = client.post("/doSomethingWeird", json={})
        assert unknown.status_code == 404
        assert unknown.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
        missing_chat = client.post("/sendMessage", data={"chat_id": "999", "text": "x"})
        assert missing_chat.status_code == 400
        assert missing_chat.json()["description"] == "Bad Request: chat not found"

    assert server.wait_for("sendMessage", lambda p: p["text"] == "json", timeout=0.1)
    with pytest.raises(TimeoutError):
        server.wait_for("sendMessage", since=server.mark(), timeout=0.1)


def test_get_updates_long_polling_offsets_and_conflicts(server: FakeBotApi) -> None:
    """getUpdates blocks until an update arrives, honours offset/limit and 409 rules."""
    with httpx.Client(base_url=f"{server.url}/bot{TOKEN}", timeout=10) as client:
        assert client.post("/getUpdates", json={"timeout": 0}).json()["result"] == []

        timer = threading.Timer(0.3, server.send_text, args=("Xin chào",))
        timer.start()
        started = time.monotonic()
        updates = client.post("/getUpdates", json={"timeout": 5}).json()["result"]
        elapsed = time.monotonic() - started
        timer.join()
        assert 0.2 <= elapsed < 3
        [update] = updates
        assert update["message"]["text"] == "Xin chào"
        update_id = update["update_id"]

        again = client.post("/getUpdates", json={"offset": update_id, "timeout": 0}).json()
        assert [u["update_id"] for u in again["result"]] == [update_id]  # not yet confirmed
        started = time.monotonic()
        confirmed = client.post("/getUpdates", json={"offset": update_id + 1, "timeout": 0.2})
        assert confirmed.json()["result"] == []
        assert time.monotonic() - started >= 0.15
        assert server.pending_updates == 0

        for i in range(3):
            server.send_text(f"tin {i}")
        limited = client.post("/getUpdates", json={"limit": 2}).json()["result"]
        assert [u["message"]["text"] for u in limited] == ["tin 0", "tin 1"]

        # A newer getUpdates terminates an older, still-blocked one with 409.
        with httpx.Client(base_url=f"{server.url}/bot{TOKEN}", timeout=10) as other:
            last = limited[-1]["update_id"] + 2
            results: list[httpx.Response] = []
            poller = threading.Thread(
                target=lambda: results.append(
                    other.post("/getUpdates", json={"offset": last, "timeout": 5})
                )
            )
            poller.start()
            server.wait_for_poll(timeout=3)
            client.post("/getUpdates", json={"offset": last, "timeout": 0})
            poller.join(timeout=3)
            assert results and results[0].status_code == 409
            assert "terminated by other getUpdates request" in results[0].json()["description"]

        insecure = client.post("/setWebhook", json={"url": "http://example.com/hook"})
        assert insecure.status_code == 400
        assert client.post("/setWebhook", json={"url": "https://example.com/hook"}).json()["ok"]
        assert client.post("/getUpdates").status_code == 409
        client.post("/deleteWebhook", json={"drop_pending_updates": True})
        assert server.pending_updates == 0
        assert client.post("/getUpdates", json={"timeout": 0}).json()["result"] == []
