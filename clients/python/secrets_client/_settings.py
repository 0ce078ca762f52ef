"""Which server a client speaks to, with which token: its arguments, else the environment as hvac
reads it.

- ``url``: the argument, else ``$VAULT_ADDR``, else ``http://localhost:8200`` (hvac's default). An
  address may carry a path prefix (``https://example.com/vault``); user and password in it are never
  shown in a message.
- ``token``: the argument, else ``$VAULT_TOKEN`` when not empty, else ``~/.vault-token`` trimmed (the
  file ``vault login`` writes; hvac's ``utils.get_token_from_env``). None at all is allowed: the
  server then answers 403, and the ``PermissionDenied`` says no token was given.
- ``mount``: the KV version 2 mount, slashes at its ends dropped (``secret``).
- ``timeout``: seconds a request may stay silent (hvac's unit and default, 30).
- ``retries``: tries after the first one on a connection failure or a 5xx other than 501 (2, as
  Vault's Go client and the TypeScript SDK).
- ``$VAULT_CACERT``: a PEM file of CA certificates for an https server (else the system's).

Every argument is checked here, before any request; a wrong one is a ``SecretsError`` of kind
``usage`` naming the argument, never quoting what was given (an address may hold a password).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Mapping, Optional, Tuple
from urllib.parse import urlsplit

from .errors import SecretsError

DEFAULT_URL = "http://localhost:8200"
DEFAULT_MOUNT = "secret"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 2
MAX_RETRIES = 10


@dataclass(frozen=True)
class Settings:
    """What a client needs to reach a server."""

    scheme: str
    host: str
    port: int
    #: The address's path without its trailing slashes ("" or "/vault"): requests go below it.
    base_path: str
    #: The address for messages: scheme, host and port, path; no credentials, no query.
    shown: str
    token: Optional[str]
    mount: str
    timeout: float
    retries: int
    ca_file: Optional[str]


def _usage(message: str) -> SecretsError:
    return SecretsError("usage", f"invalid SecretsClient arguments: {message}")


def _parse_url(url: str, what: str) -> Tuple[str, str, int, str, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _usage(f"{what} is not an http: or https: URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _usage(f"{what} is not an http: or https: URL")
    host = parts.hostname
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    base = parts.path.rstrip("/")
    shown_host = f"[{host}]" if ":" in host else host
    default_port = (parts.scheme == "https" and port == 443) or (parts.scheme == "http" and port == 80)
    shown = f"{parts.scheme}://{shown_host}{'' if default_port else f':{port}'}{base}"
    return parts.scheme, host, port, base, shown


def _token_file(home: Optional[str]) -> Optional[str]:
    path = os.path.join(home if home is not None else os.path.expanduser("~"), ".vault-token")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        raise SecretsError("read-input", f"cannot read the token file {path}: {type(e).__name__}") from None
    except UnicodeDecodeError:
        raise SecretsError("read-input", f"the token file {path} is not UTF-8 text") from None
    return text or None


def resolve_settings(
    url: Optional[str],
    token: Optional[str],
    mount: str,
    timeout: float,
    retries: int,
    env: Optional[Mapping[str, str]] = None,
    home: Optional[str] = None,
) -> Settings:
    """The settings for these arguments, the environment ``env`` (default ``os.environ``) filling the gaps."""
    environ: Mapping[str, str] = os.environ if env is None else env
    if url is not None and not isinstance(url, str):
        raise _usage("url must be a string")
    if token is not None and (not isinstance(token, str) or token == ""):
        raise _usage("token must be a non-empty string")
    if not isinstance(mount, str):
        raise _usage("mount must be a string")
    segments = [s for s in mount.split("/") if s != ""]
    if not segments or any(s in (".", "..") for s in segments):
        raise _usage("mount must name a mount")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) or timeout <= 0 or timeout > 3600:
        raise _usage("timeout must be a number of seconds above 0, at most 3600")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0 or retries > MAX_RETRIES:
        raise _usage(f"retries must be an integer from 0 to {MAX_RETRIES}")

    given = url if url is not None else (environ.get("VAULT_ADDR") or DEFAULT_URL)
    scheme, host, port, base, shown = _parse_url(given, "url" if url is not None else "VAULT_ADDR")

    if token is None:
        from_env = environ.get("VAULT_TOKEN")
        token = from_env if from_env else _token_file(home)

    ca_file: Optional[str] = None
    if scheme == "https" and environ.get("VAULT_CACERT"):
        ca_file = environ["VAULT_CACERT"]
        if not os.path.isfile(ca_file):
            raise SecretsError("read-input", f"VAULT_CACERT names no file: {ca_file}")

    return Settings(
        scheme=scheme,
        host=host,
        port=port,
        base_path=base,
        shown=shown,
        token=token,
        mount="/".join(segments),
        timeout=float(timeout),
        retries=retries,
        ca_file=ca_file,
    )
