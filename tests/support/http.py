"""A tiny HTTP client for the live tests (stdlib only: what a real integrator's client sees)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    elapsed: float

    def json(self):
        return json.loads(self.body)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def call(
    base_url: str, method: str, path: str, *, token: str | None = None, body=None,
    headers: dict | None = None, timeout: float = 30,
) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
            status, response_headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        payload = error.read()
        status, response_headers = error.code, error.headers
    return Answer(
        status=status,
        headers={k.lower(): v for k, v in response_headers.items()},
        body=payload,
        elapsed=time.monotonic() - started,
    )
