"""The requests the client sends: Vault's KV version 2 API at one mount (the TypeScript SDK's
src/sdk/remote/kv2-api.ts: ``data/`` read, write with check-and-set and merge patch, ``metadata/``
list and custom_metadata write), a dynamic secret's read and ``sys/leases/revoke``.

A secret is named by its path segments under the mount (``["database", "postgres"]``); each segment
is percent-encoded. The token goes in ``X-Vault-Token``; every request carries ``X-Vault-Request:
true`` as Vault's own clients send it. Answers are checked for Vault's shape before they are used.

Every request is safe to send twice (the transport retries): a merge patch of one key gives the
same data again; a whole-data write carries check-and-set, so one that was applied but whose answer
was lost fails its retry with a mismatch (the caller reads again) instead of overwriting a newer
version; a custom_metadata write sets the same map again; revoking a revoked lease succeeds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

from ._answers import answer_error, error_texts, not_vaults, read_json
from ._settings import Settings
from ._transport import Response, Transport
from .errors import SecretsError

#: path_data.go: the 400 of a write whose ``cas`` is not the current version.
CAS_MISMATCH = "check-and-set parameter did not match the current version"
#: path_data.go: the 400 of a write without ``cas`` to a secret (or mount) with ``cas_required``.
CAS_REQUIRED = "check-and-set parameter required for this call"


@dataclass
class SecretRead:
    """A secret's current version: ``found`` with its data, or why there is none (never written: version 0)."""

    found: bool
    version: int
    custom_metadata: Dict[str, str]
    data: Dict[str, Any] = field(default_factory=dict)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _metadata_of(answer: Any) -> Optional[Tuple[int, Dict[str, str]]]:
    """``data.metadata``'s version and custom_metadata, when the answer is a KV v2 data read's."""
    data = answer.get("data") if isinstance(answer, dict) else None
    meta = data.get("metadata") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or not _is_int(meta.get("version")):
        return None
    custom = meta.get("custom_metadata")
    if custom is None:
        custom = {}
    if not isinstance(custom, dict) or not all(isinstance(v, str) for v in custom.values()):
        return None
    return meta["version"], dict(custom)


class Api:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._transport = Transport(settings)

    @property
    def where(self) -> str:
        """Where the secrets are, for messages: ``http://127.0.0.1:8200, mount secret/``."""
        return f"{self._transport.shown}, mount {self._settings.mount}/"

    def close(self) -> None:
        self._transport.close()

    # -- requests ---------------------------------------------------------------------------

    def _call(self, method: str, vault_path: str, body: Any = None, query: str = "", content_type: str = "application/json") -> Tuple[Response, str]:
        headers = {"X-Vault-Request": "true"}
        if self._settings.token is not None:
            headers["X-Vault-Token"] = self._settings.token
        data: Optional[bytes] = None
        if body is not None:
            headers["Content-Type"] = content_type
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
        encoded = "/".join(quote(s, safe="") for s in vault_path.split("/"))
        return self._transport.send(method, encoded, headers, data, query), f"{method} {vault_path}"

    def _error(self, r: Response, what: str) -> SecretsError:
        return answer_error(r.status, r.body, what, self._transport.shown, self._settings.token, r.attempts)

    def _kv_path(self, endpoint: str, segments: Sequence[str]) -> str:
        return "/".join([self._settings.mount, endpoint, *segments])

    # -- KV version 2 -----------------------------------------------------------------------

    def read_secret(self, secret: Sequence[str]) -> SecretRead:
        r, what = self._call("GET", self._kv_path("data", secret))
        if r.status == 200:
            answer = read_json(r.body, what)
            meta = _metadata_of(answer)
            if meta is None:
                raise not_vaults(what, "data.metadata")
            inner = answer["data"].get("data")
            if inner is None:
                return SecretRead(False, meta[0], meta[1])
            if not isinstance(inner, dict):
                raise not_vaults(what, "data.data")
            return SecretRead(True, meta[0], meta[1], inner)
        if r.status == 404:
            return self._absent(r, what)
        raise self._error(r, what)

    def _absent(self, r: Response, what: str) -> SecretRead:
        """
        Vault's 404s of a data read: ``{"errors":[]}`` for a secret never written, the metadata of a
        deleted or destroyed current version with ``data: null``; any other 404 (``no handler for
        route``: no such mount) is an error, never taken for a missing secret.
        """
        try:
            answer = json.loads(r.body.decode("utf-8")) if r.body else None
        except (UnicodeDecodeError, ValueError):
            answer = None
        meta = _metadata_of(answer)
        if meta is not None:
            return SecretRead(False, meta[0], meta[1])
        if isinstance(answer, dict) and answer.get("errors") == []:
            return SecretRead(False, 0, {})
        texts = [t for t in error_texts(r.body)]
        detail = f", {'; '.join(texts)}" if texts else ""
        raise SecretsError("usage", f"the server at {self._transport.shown} has no KV version 2 secrets at {self._settings.mount}/ ({what}: 404{detail}); is the mount right?")

    def write_secret(self, secret: Sequence[str], data: Dict[str, Any], cas: int) -> bool:
        """Writes the whole data as a new version if the current one is still ``cas``; False on a mismatch."""
        r, what = self._call("POST", self._kv_path("data", secret), {"options": {"cas": cas}, "data": data})
        if r.status in (200, 204):
            return True
        if r.status == 400 and any(CAS_MISMATCH in t for t in error_texts(r.body)):
            return False
        raise self._error(r, what)

    def patch_secret(self, secret: Sequence[str], patch: Dict[str, Any], cas: Optional[int]) -> str:
        """
        A JSON merge patch of the current data (path_data.go pathDataPatch), merged by the server
        under its lock: "written"; "mismatch" (``cas`` is not the current version); "cas-required";
        "absent" (no current data); "unsupported" (405, 415, or 403: Vault's ``patch`` capability
        is newer than ``update`` and many policies lack it), so the caller writes the whole data, as
        the vault CLI's ``kv patch`` falls back to read and write.
        """
        body: Dict[str, Any] = {"data": patch} if cas is None else {"options": {"cas": cas}, "data": patch}
        r, what = self._call("PATCH", self._kv_path("data", secret), body, content_type="application/merge-patch+json")
        if r.status in (200, 204):
            return "written"
        texts = error_texts(r.body) if r.status == 400 else []
        if any(CAS_MISMATCH in t for t in texts):
            return "mismatch"
        if any(CAS_REQUIRED in t for t in texts):
            return "cas-required"
        if r.status == 404:
            return "absent"
        if r.status in (403, 405, 415):
            return "unsupported"
        raise self._error(r, what)

    def write_custom_metadata(self, secret: Sequence[str], custom: Dict[str, str]) -> None:
        """Replaces the secret's custom_metadata (Vault's metadata write replaces the whole map)."""
        r, what = self._call("POST", self._kv_path("metadata", secret), {"custom_metadata": custom})
        if r.status not in (200, 204):
            raise self._error(r, what)

    def list_folder(self, folder: Sequence[str]) -> List[str]:
        """The names in a folder (``x`` a secret, ``x/`` a folder); none when it is empty or missing (404)."""
        r, what = self._call("GET", self._kv_path("metadata", folder) + "/", query="?list=true")
        if r.status == 404:
            return []
        if r.status != 200:
            raise self._error(r, what)
        answer = read_json(r.body, what)
        data = answer.get("data") if isinstance(answer, dict) else None
        keys = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise not_vaults(what, "data.keys")
        return keys

    # -- dynamic secrets and leases ---------------------------------------------------------

    def read_dynamic(self, path: Sequence[str], ttl: int) -> Dict[str, Any]:
        """
        A read of an engine's credentials path (``database/creds/app``, ``aws/sts/developer``), with
        ``?ttl=<seconds>`` when one is asked for (engines that take one read it, as Vault's aws/sts):
        Vault's whole answer, its lease fields checked.
        """
        r, what = self._call("GET", "/".join(path), query=f"?ttl={ttl}" if ttl > 0 else "")
        if r.status != 200:
            raise self._error(r, what)
        answer = read_json(r.body, what)
        if not isinstance(answer, dict):
            raise not_vaults(what)
        if not isinstance(answer.get("lease_id"), str) or not _is_int(answer.get("lease_duration")) or not isinstance(answer.get("renewable"), bool):
            raise not_vaults(what, "lease_id")
        if answer.get("data") is not None and not isinstance(answer.get("data"), dict):
            raise not_vaults(what, "data")
        return answer

    def renew_lease(self, lease_id: str, increment: int) -> Dict[str, Any]:
        """``sys/leases/renew``: Vault's answer, its lease fields checked."""
        r, what = self._call("PUT", "sys/leases/renew", {"lease_id": lease_id, "increment": increment})
        if r.status != 200:
            raise self._error(r, what)
        answer = read_json(r.body, what)
        if not isinstance(answer, dict) or not isinstance(answer.get("lease_id"), str) or not _is_int(answer.get("lease_duration")) or not isinstance(answer.get("renewable"), bool):
            raise not_vaults(what, "lease_id")
        warnings = answer.get("warnings")
        if warnings is not None and not (isinstance(warnings, list) and all(isinstance(w, str) for w in warnings)):
            raise not_vaults(what, "warnings")
        return answer

    def revoke_lease(self, lease_id: str) -> None:
        r, what = self._call("PUT", "sys/leases/revoke", {"lease_id": lease_id})
        if r.status not in (200, 202, 204):
            raise self._error(r, what)
