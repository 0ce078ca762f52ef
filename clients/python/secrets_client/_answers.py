"""A server's answer read as JSON, and an error answer as the client's typed error (the TypeScript
SDK's src/sdk/remote/answer-errors.ts).

The statuses are Vault's: 403 is ``PermissionDenied``; 502, 503 (a sealed server too) and 504 are
``ServerUnavailable``; 400 is a ``usage`` error carrying the server's reason (a check-and-set
mismatch, custom_metadata over Vault's limits); anything else a ``generic`` error naming the status.
A 404 means "no such secret" only to the caller, which knows what it asked for.

The server's own texts are passed on because they say what was wrong, made safe first: the token
is cut out wherever it appears, a text is one line of at most 300 characters, and SecretsError
redacts key material. A Vault error text never holds a secret's value.
"""

from __future__ import annotations

import json
import re
from typing import Any, List, Optional

from .errors import PermissionDenied, SecretsError, ServerUnavailable

_MULTI = re.compile(r"^\d+ errors? occurred:\n\t\* ")
_MULTI_ESCAPED = re.compile(r"^\d+ errors? occurred:\\n\\t\* ")


def read_json(body: bytes, what: str) -> Any:
    """The answer's JSON; a ``generic`` error naming the request (never the text) when it is none."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SecretsError("generic", f"the answer to {what} is not JSON") from None


def not_vaults(what: str, at: str = "") -> SecretsError:
    """The error of an answer that is JSON but not in Vault's shape."""
    return SecretsError("generic", f"the answer to {what} is not Vault's{f' at {at}' if at else ''}")


def _unwrap_multi_error(given: str) -> List[str]:
    """go-multierror's text (``1 error occurred:\\n\\t* x\\n\\n``), as Vault wraps many errors, as its parts."""
    text = given.replace("\\n", "\n").replace("\\t", "\t") if _MULTI_ESCAPED.match(given) else given
    header = _MULTI.match(text)
    if not header:
        return [text]
    return text[header.end() :].rstrip("\n").split("\n\t* ")


def error_texts(body: bytes) -> List[str]:
    """The ``errors`` of an error answer, unwrapped; [] when the body is none or not Vault's."""
    if not body:
        return []
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return []
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
        return []
    return [part for e in errors for part in _unwrap_multi_error(e)]


def clean_text(text: str, token: Optional[str]) -> str:
    """A server text fit for a message: no token, one line, bounded."""
    t = text.replace(token, "[token]") if token else text
    t = " ".join(t.split())
    return t if len(t) <= 300 else t[:297] + "..."


def answer_error(status: int, body: bytes, what: str, server: str, token: Optional[str], attempts: int) -> SecretsError:
    """The typed error of an error answer to ``what`` (``GET secret/data/app``)."""
    texts = [t for t in (clean_text(t, token) for t in error_texts(body)) if t]
    reason = f": {'; '.join(texts)}" if texts else ""
    if status == 403:
        if token is None:
            hint = " (no token was given: pass token, set VAULT_TOKEN or write ~/.vault-token)"
        elif any("invalid token" in t for t in texts):
            hint = " (the token is unknown or expired)"
        else:
            hint = ""
        return PermissionDenied(f"permission denied: {what} at {server}{hint}")
    if status in (502, 503, 504):
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return ServerUnavailable(f"the server at {server} is unavailable ({status}{reason}){tries}")
    if status == 400:
        return SecretsError("usage", f"the server refused {what}{reason}")
    return SecretsError("generic", f"the server at {server} answered {what} with {status}{reason}")
