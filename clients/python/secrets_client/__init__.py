"""gitops-secrets' Python client: secrets by path from ``secrets serve`` (or any Vault's KV version 2
API), the same paths, values, metadata and errors as the TypeScript SDK's ``SecretsClient``.

    from secrets_client import SecretsClient, get_secret

    client = SecretsClient(url="https://vault.example.com")       # token: VAULT_TOKEN or ~/.vault-token
    db_password = await client.get("database/postgres/password")  # key password of secret database/postgres
    DATABASE_URL = await get_secret("database/url")

Standard library only, Python 3.9+. ``SyncSecretsClient`` (or ``SecretsClient(...).sync()``) and
``get_secret_sync`` are the blocking twins. See clients/python/README.md and docs/python.md.
"""

from ._client import SecretsClient, get_secret, get_secret_sync
from ._sync_client import Metadata, SecretValue, SyncSecretsClient
from .errors import (
    IntegrityError,
    PermissionDenied,
    SecretNotFound,
    SecretPathError,
    SecretsError,
    SecretTypeError,
    ServerUnavailable,
)

__version__ = "0.1.0"

__all__ = [
    "SecretsClient",
    "SyncSecretsClient",
    "get_secret",
    "get_secret_sync",
    "SecretValue",
    "Metadata",
    "SecretsError",
    "SecretNotFound",
    "PermissionDenied",
    "ServerUnavailable",
    "SecretPathError",
    "IntegrityError",
    "SecretTypeError",
]
