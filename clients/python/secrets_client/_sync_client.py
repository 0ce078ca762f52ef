"""``SyncSecretsClient``: the client's every method, blocking. The async ``SecretsClient`` runs these
in a worker thread; code that is not async uses this class itself (or ``SecretsClient.sync()``).

It speaks to ``secrets serve`` (or any Vault) over the API the TypeScript SDK's client of a server
uses (src/sdk/remote/backend.ts), with the same paths, values, metadata and errors:

- Reads: a path is located as the _paths module says, reading the splits longest first; a read of
  one secret is shared by every path of one call, so ``get_many`` costs one request per secret
  (file), not per path, plus one per longer prefix that names no secret. ``get_many`` reads
  distinct secrets concurrently, on at most ``MAX_PARALLEL`` threads.
- ``set`` reads the secret, then sends a JSON merge patch of just that key (the server merges it
  under its lock, so a concurrent ``set`` of another key is not lost), with check-and-set on the
  version read when the value is a map or the secret requires it; what a patch cannot say, a new
  secret, or a token without ``patch`` gets a whole-data write with check-and-set. A mismatch reads
  again and retries, at most ``CAS_ATTEMPTS`` times, then a ``conflict`` error.
- Metadata goes to custom_metadata (_custom_metadata); ``get_metadata`` reads that, else the sibling
  key the files' SDK writes.
- ``get_dynamic`` reads an engine's credentials path (``?ttl=`` when asked) and returns what the
  TypeScript SDK's ``getDynamic`` does: the string fields, an AWS ``security_token`` also as
  ``session_token``, with ``expires_in`` (the lease's seconds), ``lease_id`` and ``renewable``.
  ``renew`` and ``revoke`` act on a lease by its id (``sys/leases/renew``, ``sys/leases/revoke``).
- Nothing is cached: each call asks the server.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from ._api import Api, SecretRead
from ._custom_metadata import decode_metadata, encode_metadata, metadata_entry_name
from ._durations import duration_seconds
from ._paths import (
    MISSING,
    Split,
    check_metadata,
    check_value,
    format_secret_path,
    get_at,
    has_prefix,
    is_reachable,
    is_segment,
    leaves_of,
    parse_secret_path,
    set_as_merge_patch,
    set_at,
    sibling_metadata,
    splits_of,
    to_secret_value,
)
from ._settings import DEFAULT_MOUNT, DEFAULT_RETRIES, DEFAULT_TIMEOUT, resolve_settings
from .errors import SecretNotFound, SecretsError

#: A secret's value: JSON data.
SecretValue = Union[str, int, float, bool, None, List[Any], Dict[str, Any]]
#: Metadata kept next to a value: names to scalars.
Metadata = Dict[str, Union[str, int, float, bool, None]]

#: Writes of one ``set`` before it gives up on a secret that keeps changing under it.
CAS_ATTEMPTS = 5
#: Threads one ``get_many`` (or ``list``) reads on.
MAX_PARALLEL = 8
#: Folders deep a ``list`` walks: a bound on the requests a server's answers can make it send.
MAX_FOLDER_DEPTH = 64

#: (split, its secret's read) of a located path.
Located = Tuple[Split, SecretRead]


class _Reads:
    """The reads of one operation: each secret read at most once, concurrent askers sharing the request."""

    def __init__(self, api: Api) -> None:
        self._api = api
        self._lock = threading.Lock()
        self._reads: Dict[str, "Future[SecretRead]"] = {}

    def read(self, secret: Sequence[str]) -> SecretRead:
        # NUL never occurs in a segment, so it cannot join two paths into one.
        key = "\0".join(secret)
        with self._lock:
            fut = self._reads.get(key)
            owner = fut is None
            if fut is None:
                fut = Future()
                self._reads[key] = fut
        if owner:
            try:
                fut.set_result(self._api.read_secret(secret))
            except BaseException as e:  # handed to every asker, re-raised below
                fut.set_exception(e)
        return fut.result()

    def locate(self, splits: Sequence[Split]) -> Optional[Located]:
        """The split whose secret has data, longest first; None when none has."""
        for split in splits:
            read = self.read(split[0])
            if read.found:
                return split, read
        return None


def _parallel(fn: Any, items: Sequence[Any]) -> List[Any]:
    """``[fn(x) for x in items]``, on threads when there are several; the first error is raised."""
    if len(items) <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(items)), thread_name_prefix="secrets-client") as pool:
        return list(pool.map(fn, items))


def _check_lease_id(lease_id: Any) -> None:
    if not isinstance(lease_id, str) or lease_id == "":
        raise SecretsError("usage", "invalid lease id: expected a non-empty string")


def _cas_delay(attempt: int) -> float:
    """The wait before a ``set``'s next write after a mismatch: 25 ms x 2^n up to 400 ms, half random."""
    full = min(0.4, 0.025 * (2**attempt))
    return full / 2 + (full / 2) * random.random()


class SyncSecretsClient:
    """
    The blocking client of ``secrets serve`` (or any Vault's KV version 2 API)::

        client = SyncSecretsClient()   # VAULT_ADDR, VAULT_TOKEN or ~/.vault-token
        password = client.get("database/postgres/password")

    ``url``/``token`` default as hvac's (VAULT_ADDR, VAULT_TOKEN, ~/.vault-token); ``mount`` is the KV
    version 2 mount; ``timeout`` the seconds a request may stay silent; ``retries`` the tries after
    a connection failure or a 5xx other than 501. Connections are kept alive between calls; the
    client is safe to share between threads. ``close()`` (or ``with``) closes them.
    """

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, mount: str = DEFAULT_MOUNT, timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES) -> None:
        self._api = Api(resolve_settings(url, token, mount, timeout, retries))

    # -- reads ------------------------------------------------------------------------------

    def _located_or_fail(self, reads: _Reads, segs: List[str]) -> Located:
        found = reads.locate(splits_of(segs))
        if found is None:
            text = format_secret_path(segs)
            raise SecretNotFound(text, f"secret {text} not found: no secret holds it at {self._api.where}")
        return found

    @staticmethod
    def _value_at(located: Located, segs: List[str]) -> Any:
        (secret, key_path), read = located
        v = get_at(read.data, key_path)
        if v is MISSING:
            text = format_secret_path(segs)
            raise SecretNotFound(text, f"secret {text} not found: the secret {format_secret_path(secret)} has no key {'.'.join(key_path)}")
        return to_secret_value(v)

    def get(self, path: str) -> SecretValue:
        """The value at ``path``: a str, a number, a bool, None, or a list / dict for lists and maps."""
        segs = parse_secret_path(path)
        return self._value_at(self._located_or_fail(_Reads(self._api), segs), segs)

    def get_many(self, paths: Sequence[str]) -> Dict[str, SecretValue]:
        """
        The values at ``paths``, keyed by the paths as given. Each secret is read once however many
        paths it serves; the missing paths are reported together in one ``SecretNotFound``.
        """
        if isinstance(paths, (str, bytes)) or not isinstance(paths, (list, tuple)):
            raise SecretsError("usage", "invalid secret paths: expected a list of strings")
        # Every path is checked before the first request.
        wanted = [(given, segs, splits_of(segs)) for given, segs in ((p, parse_secret_path(p)) for p in paths)]
        reads = _Reads(self._api)
        located = _parallel(lambda w: reads.locate(w[2]), wanted)
        out: Dict[str, SecretValue] = {}
        missing: List[str] = []
        for (given, segs, _), loc in zip(wanted, located):
            v = get_at(loc[1].data, loc[0][1]) if loc is not None else MISSING
            if v is MISSING:
                missing.append(format_secret_path(segs))
            else:
                out[given] = to_secret_value(v)
        if missing:
            message = f"secret {missing[0]} not found" if len(missing) == 1 else f"{len(missing)} secrets not found: {', '.join(missing)}"
            raise SecretNotFound(missing, message)
        return out

    def get_metadata(self, path: str) -> Optional[Metadata]:
        """The metadata kept for the secret at ``path`` (None: none); SecretNotFound when the secret is missing."""
        segs = parse_secret_path(path)
        located = self._located_or_fail(_Reads(self._api), segs)
        self._value_at(located, segs)
        (_, key_path), read = located
        entry = read.custom_metadata.get(metadata_entry_name(key_path))
        if entry is not None:
            return decode_metadata(entry, format_secret_path(segs))
        return sibling_metadata(read.data, key_path)

    # -- writes -----------------------------------------------------------------------------

    def set(self, path: str, value: SecretValue, metadata: Optional[Metadata] = None) -> None:
        """
        Sets the secret at ``path`` (a new secret is named by all segments but the last:
        ``database/postgres/password`` creates key ``password`` of ``database/postgres``), and its
        ``metadata`` when given (without it, the old metadata is kept).
        """
        segs = parse_secret_path(path)
        check_value(value)
        if metadata is not None:
            check_metadata(metadata)
        splits = splits_of(segs)
        can_patch = True
        cas_required = False
        for attempt in range(CAS_ATTEMPTS):
            if attempt > 0:
                time.sleep(_cas_delay(attempt - 1))
            reads = _Reads(self._api)
            located = reads.locate(splits)
            (secret, key_path), read = located if located is not None else (splits[0], reads.read(splits[0][0]))
            written = False
            if read.found and can_patch:
                patch = set_as_merge_patch(read.data, key_path, value)
                if patch is not None:
                    # A scalar or a list replaces whatever is at the key: the server's merge under its
                    # lock is all the check it needs. A map names the old keys it drops, as read: it
                    # needs the version they were read at.
                    cas = read.version if cas_required or isinstance(value, dict) else None
                    outcome = self._api.patch_secret(secret, patch, cas)
                    if outcome == "cas-required":
                        cas_required = True
                    if outcome in ("mismatch", "absent", "cas-required"):
                        continue
                    if outcome == "unsupported":
                        can_patch = False
                    written = outcome == "written"
            if not written:
                data = read.data if read.found else {}
                set_at(data, key_path, value)
                if not self._api.write_secret(secret, data, read.version):
                    continue
            if metadata is not None:
                # Vault's metadata write has no check-and-set: the map read with the data is the base.
                custom = dict(read.custom_metadata)
                custom[metadata_entry_name(key_path)] = encode_metadata(metadata)
                self._api.write_custom_metadata(secret, custom)
            return
        text = format_secret_path(segs)
        raise SecretsError("conflict", f"secret {text} was not written: its secret changed {CAS_ATTEMPTS} times while it was being written; try again")

    # -- list -------------------------------------------------------------------------------

    def list(self, prefix: str = "") -> List[str]:
        """The secret paths under a prefix (a folder, a secret or a key; "" for all), sorted."""
        pre = parse_secret_path(prefix, prefix=True)
        # The secrets the prefix's leading segments name, and every secret in the folder it names.
        candidates: Dict[str, List[str]] = {}
        for k in range(1, len(pre) + 1):
            candidates["\0".join(pre[:k])] = pre[:k]
        for s in self._secrets_in(pre, 0):
            candidates["\0".join(s)] = s
        reads = _Reads(self._api)
        secrets = list(candidates.values())
        found = [(s, r) for s, r in zip(secrets, _parallel(reads.read, secrets)) if r.found]
        known = {"/".join(s) for s, _ in found}
        out = set()
        for secret, read in found:
            for key_path in leaves_of(read.data):
                if not all(is_segment(k) for k in key_path):
                    continue
                segs = secret + key_path
                if has_prefix(segs, pre) and is_reachable(segs, len(secret), known):
                    out.add(format_secret_path(segs))
        return sorted(out)

    def _secrets_in(self, folder: List[str], depth: int) -> List[List[str]]:
        if depth > MAX_FOLDER_DEPTH:
            raise SecretsError("generic", f"the server's folders under {self._api.where} are more than {MAX_FOLDER_DEPTH} deep")
        out: List[List[str]] = []
        for name in self._api.list_folder(folder):
            if name.endswith("/"):
                if is_segment(name[:-1]):
                    out.extend(self._secrets_in(folder + [name[:-1]], depth + 1))
            elif is_segment(name):
                out.append(folder + [name])
        return out

    # -- dynamic secrets --------------------------------------------------------------------

    def get_dynamic(self, path: str, ttl: Union[int, str, None] = None) -> Dict[str, Any]:
        """
        New credentials from an engine's path (``aws/sts/developer``, ``database/creds/app``), as
        the TypeScript SDK's ``getDynamic`` returns them: the engine's string fields
        (``access_key``, ``secret_key`` and ``session_token`` for AWS; ``username``, ``password`` for
        a database) with ``expires_in`` (seconds), ``lease_id`` and ``renewable``. ``ttl`` (seconds
        or ``"15m"``) is capped at the role's max TTL; without it, the role's default.
        """
        segs = parse_secret_path(path)
        answer = self._api.read_dynamic(segs, duration_seconds(ttl, "ttl"))
        data = answer.get("data") or {}
        out: Dict[str, Any] = {k: v for k, v in data.items() if isinstance(v, str) and k not in ("lease_id", "expires_in", "renewable")}
        # Vault's AWS engine names the session token `security_token`; AWS's SDKs say `session_token`.
        if isinstance(data.get("security_token"), str) and "session_token" not in out:
            out["session_token"] = data["security_token"]
        out["lease_id"] = answer["lease_id"]
        out["expires_in"] = answer["lease_duration"]
        out["renewable"] = answer["renewable"]
        return out

    def renew(self, lease_id: str, increment: Union[int, str, None] = None) -> Dict[str, Any]:
        """
        Extends a lease by ``increment`` (seconds or ``"1h"``; default the role's TTL), never past the
        role's max TTL: ``{lease_id, expires_in, renewable, warnings}``.
        """
        _check_lease_id(lease_id)
        answer = self._api.renew_lease(lease_id, duration_seconds(increment, "increment"))
        return {"lease_id": answer["lease_id"], "expires_in": answer["lease_duration"], "renewable": answer["renewable"], "warnings": list(answer.get("warnings") or [])}

    def revoke(self, lease_id: str) -> None:
        """Ends the lease now (the engine removes the credentials); a lease already gone is no error, as in Vault."""
        _check_lease_id(lease_id)
        self._api.revoke_lease(lease_id)

    # -- lifetime ---------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the kept connections (optional: they never keep a process alive)."""
        self._api.close()

    def __enter__(self) -> "SyncSecretsClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
