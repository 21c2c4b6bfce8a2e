"""A small local HTTP server that speaks the chat-completions API, for the real `openai` client.

Tests script its answers (`fake_openai.reply(...)`) and read what the client sent
(`fake_openai.requests`). It runs on 127.0.0.1 on a random port in a thread, per test.
"""

import json
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def completion(content=None, *, tool_calls=None, refusal=None, finish_reason=None) -> dict:
    """A chat.completion body; `tool_calls` is a list of (id, name, arguments-dict)."""
    calls = [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
        for call_id, name, args in (tool_calls or [])
    ]
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": content,
                    "refusal": refusal,
                    "tool_calls": calls or None,
                },
                "finish_reason": finish_reason or ("tool_calls" if calls else "stop"),
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def json_completion(data: dict) -> dict:
    return completion(json.dumps(data, ensure_ascii=False))


class Reply:
    """`hold=True`: the server answers only when the test ends (`FakeOpenAI.release`), like an
    upstream that never answers in time; the client's own timeout is what ends the call."""

    def __init__(self, body, *, status: int = 200, hold: bool = False, raw: str | None = None, headers=None):
        self.body, self.status, self.hold, self.raw, self.headers = body, status, hold, raw, headers or {}


class FakeOpenAI:
    def __init__(self):
        self.replies: deque[Reply] = deque()
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.release = threading.Event()  # set at teardown: held replies go out, threads end

    def reply(self, body=None, **kwargs) -> None:
        self.replies.append(Reply(body, **kwargs))

    def next_reply(self, request: dict) -> Reply:
        with self.lock:
            self.requests.append(request)
            if self.replies:
                return self.replies.popleft()
        return Reply({"error": {"message": "no scripted reply", "type": "server_error"}}, status=500)

    @property
    def sent_text(self) -> str:
        """Everything the client sent, as one string (for "nothing leaked" assertions)."""
        return json.dumps(self.requests, ensure_ascii=False)


def _handler(fake: FakeOpenAI):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            body["_path"] = self.path
            reply = fake.next_reply(body)
            if reply.hold:
                fake.release.wait(timeout=60)
            payload = (reply.raw if reply.raw is not None else json.dumps(reply.body)).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def fake_openai(settings, _no_openai_key_by_default):
    fake = FakeOpenAI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.OPENAI_API_KEY = "sk-test"
    settings.OPENAI_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.OPENAI_MODEL = "gpt-4o"
    settings.OPENAI_TIMEOUT_SECONDS = 3
    yield fake
    fake.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _no_openai_key_by_default(settings):
    # Rules mode unless a test starts the fake server: no test may reach the real OpenAI.
    settings.OPENAI_API_KEY = None
    settings.OPENAI_BASE_URL = None
