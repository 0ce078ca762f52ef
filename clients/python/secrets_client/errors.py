"""The client's exceptions: the TypeScript SDK's typed errors (src/secrets/errors.ts), in Python.

Every failure the client reports is a ``SecretsError`` with a ``kind`` string, the same kind the
TypeScript SDK gives the same failure (``not-found``, ``permission-denied``, ``unavailable``,
``tree-path``, ``metadata``, ``wrong-type``, ``usage``, ``conflict``, ``generic``), so code and logs of
both languages say the same thing. The classes that matter to a caller are their own types:

- ``SecretNotFound`` (also a ``LookupError``): no secret holds the path (``secret_paths`` lists them);
- ``PermissionDenied``: the server's 403 (no token, an unknown or expired one, a policy without the
  capability);
- ``ServerUnavailable``: no whole answer (refused, reset, timed out, a TLS certificate refused) or
  502/503/504 (a sealed server too), after the client's bounded retries;
- ``SecretPathError`` (also a ``ValueError``): a malformed secret path;
- ``IntegrityError``: what the server keeps for the SDK is not in the SDK's shape (metadata);
- ``SecretTypeError`` (also a ``TypeError``): ``get_secret`` of a value that is not a string.

A message names methods, paths, the server's address and types; never a value, a token or a
password. The exceptions are raised ``from None``: a library error's own text (an ``OSError`` or a
JSON decoder's) may quote what it read, so it is never chained.
"""

from __future__ import annotations

import re
from typing import Iterable, Tuple, Union

__all__ = [
    "SecretsError",
    "SecretNotFound",
    "PermissionDenied",
    "ServerUnavailable",
    "SecretPathError",
    "IntegrityError",
    "SecretTypeError",
]


# The last line of defence, as src/util/safe-text.ts: key material pasted where a path belongs
# (an age identity, a PEM private key, a Vault token) is redacted, control characters escaped.
_KEY_MATERIAL = [
    ("age secret key", re.compile(r"AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]*", re.IGNORECASE)),
    ("private key", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|$)", re.IGNORECASE)),
    ("Vault token", re.compile(r"\bhv[sbr]\.[A-Za-z0-9_-]{20,}")),
]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_text(text: str) -> str:
    """``text`` with key material replaced by ``[redacted <kind>]`` and control characters escaped."""
    for kind, pattern in _KEY_MATERIAL:
        text = pattern.sub(f"[redacted {kind}]", text)
    return _CONTROL.sub(lambda m: "\\x%02x" % ord(m.group(0)), text)


class SecretsError(Exception):
    """Every failure of the client: ``kind`` says which, ``str(e)`` is one line without a value."""

    kind: str

    def __init__(self, kind: str, message: str) -> None:
        message = safe_text(message)
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return self.message


class SecretNotFound(SecretsError, LookupError):
    """No secret at the path(s): no secret holds it, or its secret has no such key."""

    secret_paths: Tuple[str, ...]

    def __init__(self, secret_paths: Union[str, Iterable[str]], message: str) -> None:
        super().__init__("not-found", message)
        self.secret_paths = (secret_paths,) if isinstance(secret_paths, str) else tuple(secret_paths)


class PermissionDenied(SecretsError):
    """The server refused the token for this path (Vault's 403)."""

    def __init__(self, message: str) -> None:
        super().__init__("permission-denied", message)


class ServerUnavailable(SecretsError):
    """
    The server cannot be reached or cannot answer now, after the retries. A write whose answer was
    lost may have been applied: read it back before writing again.
    """

    def __init__(self, message: str) -> None:
        super().__init__("unavailable", message)


class SecretPathError(SecretsError, ValueError):
    """A secret path that is malformed (empty, an empty segment, ``.`` or ``..``, NUL, no key)."""

    def __init__(self, message: str) -> None:
        super().__init__("tree-path", message)


class IntegrityError(SecretsError):
    """What the server holds for the SDK cannot be trusted as the SDK's (its metadata entry)."""

    def __init__(self, message: str) -> None:
        super().__init__("metadata", message)


_DESCRIBED = {"string": "a string", "number": "a number", "boolean": "a boolean", "null": "null", "map": "a map", "list": "a list"}


class SecretTypeError(SecretsError, TypeError):
    """The secret exists but is not of the type asked for; names the path and the types only."""

    secret_path: str
    expected: str
    actual: str

    def __init__(self, secret_path: str, expected: str, actual: str) -> None:
        super().__init__("wrong-type", f"{secret_path} is {_DESCRIBED.get(actual, actual)}, not {_DESCRIBED.get(expected, expected)}; read it with get()")
        self.secret_path = secret_path
        self.expected = expected
        self.actual = actual
