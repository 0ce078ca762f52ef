"""What the tests against a real ``secrets serve`` share: the environment the harness
(test/interop/python-client.interop.test.ts) passes, raw requests for checking what the client did,
the audit log's request lines (to count the client's requests), and a leak check for messages.

The harness's environment (every name required: a test that cannot reach its server fails):

- ``VAULT_ADDR``, ``VAULT_TOKEN``: the server, its root token;
- ``SECRETS_TEST_READER_TOKEN``: a token whose policy reads ``secret/data/team/*`` only;
- ``SECRETS_TEST_WRITER_TOKEN``: one with read, create and update (no ``patch``) on ``secret/data/team/*``;
- ``SECRETS_TEST_AUDIT_FILE``: the server's audit log;
- ``SECRETS_TEST_VALUES``: the fixture's values, JSON: none may appear in a message;
- ``SECRETS_TEST_REPORT``: a file the tests write facts into, for the harness to check afterwards
  (which database users were revoked), as JSON.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any, Dict, List, Optional, Tuple


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run these tests with npm run test:interop (test/interop/python-client.interop.test.ts)")
    return value


def fixture_values() -> List[str]:
    return list(json.loads(env("SECRETS_TEST_VALUES")))


def raw(method: str, path: str, token: Optional[str] = None, body: Any = None) -> Tuple[int, Any]:
    """One request with urllib (not the client under test): the status and the parsed body (None if empty)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"{env('VAULT_ADDR')}/v1/{path}", data=data, method=method)
    req.add_header("X-Vault-Token", token or env("VAULT_TOKEN"))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read()
            return resp.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read()
        return e.code, json.loads(text) if text else None


class AuditWindow:
    """The audit log's lines written from now on: ``requests()`` once their responses are all in."""

    def __init__(self) -> None:
        self.path = env("SECRETS_TEST_AUDIT_FILE")
        self.start = os.path.getsize(self.path)

    def _entries(self) -> List[Dict[str, Any]]:
        with open(self.path, "rb") as f:
            f.seek(self.start)
            lines = f.read().decode("utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def requests(self, prefix: str = "") -> List[Tuple[str, str]]:
        """(operation, path) of each request under ``prefix`` since the window opened."""
        deadline = time.monotonic() + 5
        while True:
            entries = self._entries()
            asked = [e for e in entries if e.get("type") == "request"]
            answered = [e for e in entries if e.get("type") == "response"]
            if len(answered) >= len(asked) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        return [(e["request"]["operation"], e["request"]["path"]) for e in asked if e["request"]["path"].startswith(prefix)]


def report(key: str, value: Any) -> None:
    """Adds ``key`` to the harness's report file."""
    path = env("SECRETS_TEST_REPORT")
    current: Dict[str, Any] = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            current = json.load(f)
    current[key] = value
    with open(path, "w", encoding="utf-8") as f:
        json.dump(current, f)
