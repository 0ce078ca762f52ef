"""One HTTP exchange with the server over keep-alive connections, and the bounded retries around it.

Why ``http.client`` and not ``urllib.request.urlopen``: urlopen sends ``Connection: close`` and opens
a new TCP (and TLS) connection for every request; ``http.client``, on which urllib.request is built,
keeps a connection open between requests. Each client holds a small pool of them (idle ones are
reused, at most ``MAX_IDLE`` kept), guarded by a lock, so the threads of ``get_many`` and of the async
client share it. A kept connection the server has closed meanwhile fails on its next use before any
answer; that request is sent once more on a new connection (not counted as a retry), as browsers
and urllib3 do.

Retries (as the TypeScript SDK's retry.ts and Vault's Go client): a request that got no whole answer
(refused, reset, silent past the timeout, cut mid-answer) or a 5xx other than 501 is tried again up
to ``retries`` times, waiting 100 ms, 200 ms, 400 ms... (at most 2 s, half of it random); never after
a 4xx, nor after a TLS certificate the client refuses (it would be refused again). Every request the
client sends is safe to send twice (see the kv module).

A failure is a ``ServerUnavailable`` naming the server's address and the error's class or errno name
only: an ``OSError``'s text can hold anything.
"""

from __future__ import annotations

import errno
import http.client
import random
import socket
import ssl
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from ._settings import Settings
from .errors import ServerUnavailable

#: Idle connections kept per client; more may be open at once while requests are in flight.
MAX_IDLE = 16
#: A cap on an answer held in memory: a KV secret is far smaller (Vault caps requests at 32 MiB).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
READ_CHUNK = 256 * 1024
BASE_DELAY = 0.1
MAX_DELAY = 2.0


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    #: How many times the request was sent.
    attempts: int


class _Failure(Exception):
    """A request that got no whole answer; ``retryable`` unless it would fail the same way again."""

    def __init__(self, reason: str, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


def _reason(e: BaseException, timeout: float) -> str:
    if isinstance(e, (socket.timeout, TimeoutError)):
        return f"no answer within {timeout:g} s"
    if isinstance(e, ssl.SSLCertVerificationError):
        return "its TLS certificate was refused"
    if isinstance(e, OSError) and e.errno is not None and e.errno in errno.errorcode:
        return errno.errorcode[e.errno]
    return type(e).__name__


def _read_capped(resp: http.client.HTTPResponse) -> bytes:
    """The answer's body, at most MAX_RESPONSE_BYTES + 1 of it. In pieces: Python 3.9's
    ``read(n)`` allocates n bytes up front, which for the cap would cost a second per request."""
    parts: List[bytes] = []
    total = 0
    while total <= MAX_RESPONSE_BYTES:
        chunk = resp.read(min(READ_CHUNK, MAX_RESPONSE_BYTES + 1 - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def backoff_delay(n: int) -> float:
    """The wait before retry ``n`` (0-based): 0.1 s x 2^n, capped at 2 s, half of it random."""
    full = min(MAX_DELAY, BASE_DELAY * (2**n))
    return full / 2 + (full / 2) * random.random()


def is_retryable_status(status: int) -> bool:
    return status >= 500 and status != 501


class Transport:
    """A client's connections to one server, and the one way to send it a request."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._idle: List[http.client.HTTPConnection] = []
        self._closed = False
        self._ssl: Optional[ssl.SSLContext] = None
        if settings.scheme == "https":
            self._ssl = ssl.create_default_context(cafile=settings.ca_file)
        # A client dropped without close() closes its idle connections when it is collected, so
        # that code which never closes (as the seed's) leaves no socket behind for ResourceWarning.
        weakref.finalize(self, _close_all, self._idle)

    @property
    def shown(self) -> str:
        return self._settings.shown

    def _new_connection(self) -> http.client.HTTPConnection:
        s = self._settings
        if self._ssl is not None:
            return http.client.HTTPSConnection(s.host, s.port, timeout=s.timeout, context=self._ssl)
        return http.client.HTTPConnection(s.host, s.port, timeout=s.timeout)

    def _take(self) -> Tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        return self._new_connection(), False

    def _give_back(self, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < MAX_IDLE:
                self._idle.append(conn)
                return
        conn.close()

    def _exchange(self, method: str, target: str, headers: Dict[str, str], body: Optional[bytes]) -> Tuple[int, bytes]:
        """One exchange; a kept connection found closed is replaced once."""
        for fresh_retry in (False, True):
            conn, reused = self._take() if not fresh_retry else (self._new_connection(), False)
            try:
                conn.request(method, target, body=body, headers=headers)
                resp = conn.getresponse()
                data = _read_capped(resp)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError) as e:
                conn.close()
                if reused:
                    continue
                raise _Failure(_reason(e, self._settings.timeout), True) from None
            except ssl.SSLCertVerificationError as e:
                conn.close()
                raise _Failure(_reason(e, self._settings.timeout), False) from None
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                raise _Failure(_reason(e, self._settings.timeout), True) from None
            if len(data) > MAX_RESPONSE_BYTES:
                conn.close()
                raise _Failure(f"an answer over {MAX_RESPONSE_BYTES} bytes", False)
            if resp.will_close:
                conn.close()
            else:
                self._give_back(conn)
            return resp.status, data
        raise AssertionError("unreachable")  # pragma: no cover

    def send(self, method: str, vault_path: str, headers: Dict[str, str], body: Optional[bytes] = None, query: str = "") -> Response:
        """
        ``method`` ``/v1/<vault_path>`` (already percent-encoded) with its retries: the last answer,
        a 5xx to retry on included once the retries are spent; ServerUnavailable when none came.
        """
        target = f"{self._settings.base_path}/v1/{vault_path}{query}"
        all_headers = {"Accept": "application/json", **headers}
        attempts = 0
        for n in range(self._settings.retries + 1):
            attempts += 1
            last = n >= self._settings.retries
            try:
                status, data = self._exchange(method, target, all_headers, body)
            except _Failure as f:
                if f.retryable and not last:
                    time.sleep(backoff_delay(n))
                    continue
                tries = f" ({attempts} attempts)" if attempts > 1 else ""
                raise ServerUnavailable(f"cannot reach the server at {self.shown}: {f.reason}{tries}") from None
            if is_retryable_status(status) and not last:
                time.sleep(backoff_delay(n))
                continue
            return Response(status, data, attempts)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Closes the idle connections; one in use is closed when its request ends."""
        with self._lock:
            self._closed = True
            idle = list(self._idle)
            self._idle.clear()
        _close_all(idle)


def _close_all(conns: List[http.client.HTTPConnection]) -> None:
    for conn in list(conns):
        conn.close()
