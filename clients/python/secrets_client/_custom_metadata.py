"""Where ``set(path, value, metadata=...)`` keeps the metadata on the server: the TypeScript SDK's
place (src/sdk/remote/custom-metadata.ts), so that either client reads what the other wrote.

It is the secret's KV version 2 ``custom_metadata``, one entry per key, named ``sdk-metadata:`` plus
the key's path inside the secret (``sdk-metadata:password``, ``sdk-metadata:postgres/password``),
whose value is the metadata as compact JSON (``{"rotated_at":"2025-11-18"}``), so numbers, booleans
and null come back as they went. custom_metadata is Vault's place for what is not secret: served
with ``read`` on ``<mount>/metadata/<secret>``, kept in clear (on ``secrets serve``, in the mount's
committed ``.kv-metadata.yaml``). Vault's limits apply: 64 entries per secret, a name of at most 128
bytes, a JSON text of at most 512 bytes (beyond them, the server's 400).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Sequence

from .errors import IntegrityError

METADATA_ENTRY_PREFIX = "sdk-metadata:"


def metadata_entry_name(key_path: Sequence[str]) -> str:
    return METADATA_ENTRY_PREFIX + "/".join(key_path)


def encode_metadata(metadata: Dict[str, Any]) -> str:
    # As JavaScript's JSON.stringify: no spaces, non-ASCII as it is.
    return json.dumps(metadata, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def decode_metadata(text: str, what: str) -> Dict[str, Any]:
    """An entry's metadata; IntegrityError when it is not a JSON map of scalars."""
    fail = IntegrityError(f"the custom_metadata entry of {what} is not the SDK's metadata (a JSON map of strings, numbers, booleans and null)")
    try:
        parsed = json.loads(text)
    except ValueError:
        raise fail from None
    if not isinstance(parsed, dict) or any(isinstance(v, (dict, list)) for v in parsed.values()):
        raise fail
    return parsed
