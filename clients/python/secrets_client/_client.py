"""``SecretsClient``, the async interface, and the module-level ``get_secret``.

Each coroutine runs the blocking ``SyncSecretsClient`` method of the same name in a worker thread
(``asyncio.to_thread``), so an event loop is never blocked by the network, and the standard library
is all it needs. One client's calls share its keep-alive connections; ``sync()`` is the blocking
client over the same connections.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Sequence, Union

from ._paths import type_of_value
from ._settings import DEFAULT_MOUNT, DEFAULT_RETRIES, DEFAULT_TIMEOUT
from ._sync_client import Metadata, SecretValue, SyncSecretsClient
from .errors import SecretTypeError


class SecretsClient:
    """
    The client of ``secrets serve`` (or any Vault's KV version 2 API), async::

        client = SecretsClient(url="https://vault.example.com")   # token: VAULT_TOKEN or ~/.vault-token
        db_password = await client.get("database/postgres/password")

    The arguments are ``SyncSecretsClient``'s, checked here (a wrong one raises at once).
    """

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, mount: str = DEFAULT_MOUNT, timeout: float = DEFAULT_TIMEOUT, retries: int = DEFAULT_RETRIES) -> None:
        self._sync = SyncSecretsClient(url=url, token=token, mount=mount, timeout=timeout, retries=retries)

    def sync(self) -> SyncSecretsClient:
        """The blocking twin of this client, over the same connections."""
        return self._sync

    async def get(self, path: str) -> SecretValue:
        """The value at ``path`` (``database/postgres/password``: key ``password`` of ``database/postgres``)."""
        return await asyncio.to_thread(self._sync.get, path)

    async def get_many(self, paths: Sequence[str]) -> Dict[str, SecretValue]:
        """The values at ``paths``, keyed by the paths; one request per secret, not per path."""
        return await asyncio.to_thread(self._sync.get_many, paths)

    async def set(self, path: str, value: SecretValue, metadata: Optional[Metadata] = None) -> None:
        """Sets the secret at ``path``, and its metadata when given (kept in the secret's custom_metadata)."""
        await asyncio.to_thread(self._sync.set, path, value, metadata)

    async def get_metadata(self, path: str) -> Optional[Metadata]:
        """The metadata kept for the secret at ``path``, or None."""
        return await asyncio.to_thread(self._sync.get_metadata, path)

    async def list(self, prefix: str = "") -> List[str]:
        """The secret paths under ``prefix`` ("" for all), sorted."""
        return await asyncio.to_thread(self._sync.list, prefix)

    async def get_dynamic(self, path: str, ttl: Union[int, str, None] = None) -> Dict[str, Any]:
        """New credentials from an engine's path, with ``expires_in``, ``lease_id``, ``renewable`` (and ``session_token`` for AWS)."""
        return await asyncio.to_thread(self._sync.get_dynamic, path, ttl)

    async def renew(self, lease_id: str, increment: Union[int, str, None] = None) -> Dict[str, Any]:
        """Extends a lease: ``{lease_id, expires_in, renewable, warnings}``."""
        return await asyncio.to_thread(self._sync.renew, lease_id, increment)

    async def revoke(self, lease_id: str) -> None:
        """Ends a lease ``get_dynamic`` returned."""
        await asyncio.to_thread(self._sync.revoke, lease_id)

    def close(self) -> None:
        """Closes the kept connections (optional)."""
        self._sync.close()

    async def __aenter__(self) -> "SecretsClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


def get_secret_sync(path: str) -> str:
    """``get_secret``, blocking: ``DATABASE_URL = get_secret_sync("database/url")``."""
    with SyncSecretsClient() as client:
        value = client.get(path)
    if not isinstance(value, str):
        raise SecretTypeError(path, "string", type_of_value(value))
    return value


async def get_secret(path: str) -> str:
    """
    One string secret, from the server VAULT_ADDR names with the token of VAULT_TOKEN or
    ~/.vault-token: the drop-in for ``os.getenv``::

        DATABASE_URL = await get_secret("database/url")

    A value that is not a string raises ``SecretTypeError`` (read others with ``SecretsClient.get``).
    Each call makes its own client (so it holds no state between calls and sees the environment
    as it is now); code reading many secrets keeps one ``SecretsClient``.
    """
    return await asyncio.to_thread(get_secret_sync, path)
