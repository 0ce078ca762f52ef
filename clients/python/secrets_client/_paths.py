"""Secret paths and what they reach inside a secret's data: the TypeScript SDK's namespace
(src/secrets/path.ts, src/sdk/remote/locate.ts, src/secrets/entries.ts), in Python.

A secret path is segments separated by ``/``: the leading ones name a KV secret (on ``secrets
serve``, an encrypted file), the rest a key path in its data. ``database/postgres/password`` is key
``password`` of the secret ``database/postgres``, else key ``postgres.password`` of ``database``: the
longest prefix naming a secret that has data wins, and a key is never looked up in a shorter one.
A segment is any non-empty text without ``/`` or NUL, other than ``.`` and ``..``; one leading ``/``
is allowed.

Metadata siblings: the files' SDK keeps a key's metadata next to it, under ``KEY_metadata`` or
``KEY_metadata_<suffix>`` (``password_metadata_unencrypted``), a map of scalars. A server does not
say which rule a file has, so any such sibling of an existing key is metadata: never a value, never
listed, and left out of a map returned whole.

Values are JSON data as ``json`` reads it (str, int, float, bool, None, list, dict).
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from .errors import SecretPathError, SecretsError

METADATA_MARK = "_metadata"

#: (secret segments, key path) of one way to split a path.
Split = Tuple[List[str], List[str]]


def parse_secret_path(text: Any, prefix: bool = False) -> List[str]:
    """The segments of a path; with ``prefix``, a trailing ``/`` and the empty path are allowed."""
    if not isinstance(text, str):
        raise SecretsError("usage", f"invalid secret {'prefix' if prefix else 'path'}: expected a string, got {type(text).__name__}")
    t = text[1:] if text.startswith("/") else text
    if prefix and t.endswith("/"):
        t = t[:-1]
    if t == "":
        if prefix:
            return []
        raise SecretPathError("invalid secret path: empty")
    segs = t.split("/")
    for i, s in enumerate(segs):
        if s == "":
            raise SecretPathError(f'invalid secret path "{text}": segment {i + 1} is empty')
        if s in (".", ".."):
            raise SecretPathError(f'invalid secret path "{text}": "{s}" is not allowed as a segment')
        if "\0" in s:
            raise SecretPathError(f"invalid secret path: segment {i + 1} contains a NUL character")
    return segs


def format_secret_path(segs: Sequence[str]) -> str:
    return "/".join(segs)


def splits_of(segs: Sequence[str]) -> List[Split]:
    """The splits of a path, longest secret first; SecretPathError for one segment (no key)."""
    if len(segs) < 2:
        text = format_secret_path(segs)
        raise SecretPathError(f'secret path "{text}" names no key: a secret path is SECRET/KEY, e.g. app/{text} for key {text} of the secret app')
    return [(list(segs[:k]), list(segs[k:])) for k in range(len(segs) - 1, 0, -1)]


def has_prefix(path: Sequence[str], prefix: Sequence[str]) -> bool:
    return len(prefix) <= len(path) and list(path[: len(prefix)]) == list(prefix)


def is_reachable(segs: Sequence[str], secret_len: int, known: Set[str]) -> bool:
    """Whether no longer secret in ``known`` shadows the path found in a secret of ``secret_len`` segments."""
    return not any("/".join(segs[:k]) in known for k in range(secret_len + 1, len(segs)))


_INDEX = re.compile(r"^\d+$")


class _Missing:
    """What ``get_at`` returns where there is no value (None is a value: JSON's null)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()
_MISSING = MISSING


def _step(node: Any, seg: str) -> Any:
    if isinstance(node, dict):
        return node.get(seg, _MISSING)
    if isinstance(node, list) and _INDEX.match(seg):
        i = int(seg)
        return node[i] if i < len(node) else _MISSING
    return _MISSING


def get_at(data: Dict[str, Any], key_path: Sequence[str]) -> Any:
    """The value at ``key_path`` (a digit segment indexes a list), or ``MISSING``."""
    node: Any = data
    for seg in key_path:
        node = _step(node, seg)
        if node is _MISSING:
            return _MISSING
    return node



def set_at(data: Dict[str, Any], key_path: Sequence[str], value: Any) -> None:
    """Sets the value at ``key_path`` as the files' ``setPath`` does: missing maps are created, a
    scalar on the way is replaced by a map, a digit segment indexes a list (past its end: appends)."""
    node: Any = data
    for i, seg in enumerate(key_path):
        last = i == len(key_path) - 1
        if isinstance(node, dict):
            if last:
                node[seg] = value
                return
            nxt = node.get(seg)
            if not isinstance(nxt, (dict, list)):
                nxt = {}
                node[seg] = nxt
            node = nxt
        elif isinstance(node, list):
            if not _INDEX.match(seg):
                raise SecretPathError(f'path element ["{seg}"] is not a list index')
            idx = int(seg)
            if last:
                if idx >= len(node):
                    node.append(value)
                else:
                    node[idx] = value
                return
            nxt = node[idx] if idx < len(node) else None
            if not isinstance(nxt, (dict, list)):
                nxt = {}
                if idx < len(node):
                    node[idx] = nxt
                else:
                    node.append(nxt)
            node = nxt
        else:  # pragma: no cover - set_at only descends into maps and lists
            raise SecretPathError("cannot descend into a scalar")


def _holds_null(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, list):
        return any(_holds_null(x) for x in v)
    if isinstance(v, dict):
        return any(_holds_null(x) for x in v.values())
    return False


def _replacement(current: Any, value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    out: Dict[str, Any] = {}
    if isinstance(current, dict):
        for k in current:
            if k not in value:
                out[k] = None
    for k, v in value.items():
        out[k] = _replacement(current.get(k) if isinstance(current, dict) else None, v)
    return out


def set_as_merge_patch(data: Dict[str, Any], key_path: Sequence[str], value: Any) -> Optional[Dict[str, Any]]:
    """
    ``set`` as a JSON merge patch (RFC 7396) of the secret's data, or None when one cannot say it:
    the value holds a null (a patch's null removes a key) or the key path goes through a list (a
    patch replaces a list whole). A map value replaces the old map whole: the old keys it lacks
    are named with null.
    """
    if _holds_null(value):
        return None
    node: Any = data
    for key in key_path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, list):
            return None
    last = key_path[-1]
    patch: Any = _replacement(node.get(last) if isinstance(node, dict) else None, value)
    for key in reversed(key_path):
        patch = {key: patch}
    return patch


def _is_scalar_map(v: Any) -> bool:
    return isinstance(v, dict) and all(not isinstance(x, (dict, list)) for x in v.values())


def _is_sibling_name(m: str, key: str) -> bool:
    if m == key or not m.startswith(key + METADATA_MARK):
        return False
    rest = m[len(key) + len(METADATA_MARK) :]
    return rest == "" or rest.startswith("_")


def metadata_keys_in(branch: Dict[str, Any]) -> Set[str]:
    """The keys of ``branch`` that are metadata siblings of another key in it."""
    out: Set[str] = set()
    for m in branch:
        i = m.find(METADATA_MARK)
        while i > 0:
            if m[:i] in branch and _is_sibling_name(m, m[:i]) and _is_scalar_map(branch[m]):
                out.add(m)
                break
            i = m.find(METADATA_MARK, i + 1)
    return out


def to_secret_value(v: Any) -> Any:
    """A copy of a value, metadata siblings left out of its maps."""
    if isinstance(v, dict):
        skip = metadata_keys_in(v)
        return {k: to_secret_value(x) for k, x in v.items() if k not in skip}
    if isinstance(v, list):
        return [to_secret_value(x) for x in v]
    return v


def leaves_of(branch: Dict[str, Any], prefix: Optional[List[str]] = None) -> Iterator[List[str]]:
    """The key path of every value that is not a map (a list is one value), metadata siblings skipped."""
    base = prefix or []
    skip = metadata_keys_in(branch)
    for k, v in branch.items():
        if k in skip:
            continue
        if isinstance(v, dict):
            # An empty map has no leaf, as the TypeScript SDK's walk.
            yield from leaves_of(v, base + [k])
        else:
            yield base + [k]


def sibling_metadata(data: Dict[str, Any], key_path: Sequence[str]) -> Optional[Dict[str, Any]]:
    """The metadata the files' SDK keeps next to the key at ``key_path``, or None."""
    parent: Any = data
    for k in key_path[:-1]:
        parent = parent.get(k) if isinstance(parent, dict) else None
    if not isinstance(parent, dict):
        return None
    key = key_path[-1]
    if key not in parent:
        return None
    for m in parent:
        if _is_sibling_name(m, key) and _is_scalar_map(parent[m]):
            return dict(parent[m])
    return None


def is_segment(s: str) -> bool:
    """A name a LIST answered that can be a path segment."""
    return s not in ("", ".", "..") and "/" not in s and "\0" not in s


def type_of_value(v: Any) -> str:
    """What a value is, for messages: its type only."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return "map"


def check_value(v: Any, at: str = "") -> None:
    """A value the client can send: JSON data (finite numbers, maps with string keys). Names where, never what."""
    where = f" at {at}" if at else ""
    if v is None or isinstance(v, (str, bool, int)):
        return
    if isinstance(v, float):
        if not math.isfinite(v):
            raise SecretsError("usage", f"invalid secret value{where}: must be a finite number")
        return
    if isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            check_value(x, f"{at}.{i}" if at else str(i))
        return
    if isinstance(v, dict):
        for k, x in v.items():
            if not isinstance(k, str):
                raise SecretsError("usage", f"invalid secret value{where}: a map key is not a string")
            check_value(x, f"{at}.{k}" if at else k)
        return
    raise SecretsError("usage", f"invalid secret value{where}: {type(v).__name__} is not JSON data")


def check_metadata(metadata: Any) -> None:
    """Metadata as the TypeScript SDK takes it: a map of non-empty names to strings, finite numbers, booleans or null."""
    if not isinstance(metadata, dict):
        raise SecretsError("usage", "invalid set options at metadata: expected a dict")
    for k, v in metadata.items():
        if not isinstance(k, str) or k == "":
            raise SecretsError("usage", "invalid set options at metadata: a name is not a non-empty string")
        if not (v is None or isinstance(v, (str, bool, int)) or (isinstance(v, float) and math.isfinite(v))):
            raise SecretsError("usage", f"invalid set options at metadata.{k}: expected a string, a finite number, a boolean or None")
