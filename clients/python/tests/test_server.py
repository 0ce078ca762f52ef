"""The client against a real ``secrets serve`` on loopback (started by
test/interop/python-client.interop.test.ts, which also checks afterwards what these tests report).

Fixture (secrets/ of the served repository, committed): ``app`` {password, n: 3}, ``team/db`` {user},
``other`` (encrypted to another key: the server cannot open it), ``database/postgres`` {password,
user}, ``database`` {url}, ``external/stripe`` {api_key}, ``jwt`` {private_key}, ``cache`` {redis:
{password, its metadata sibling, port}}, ``meta`` {k}; and a ``database/`` mount over a real
PostgreSQL with role ``app`` (1 h).
"""

from __future__ import annotations

import ast
import asyncio
import http.client
import http.server
import json
import os
import tempfile
import threading
import unittest
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List
from unittest import mock
from urllib.parse import urlsplit

from secrets_client import (
    IntegrityError,
    PermissionDenied,
    SecretNotFound,
    SecretPathError,
    SecretsClient,
    SecretsError,
    SecretTypeError,
    SyncSecretsClient,
    get_secret,
    get_secret_sync,
)

from .helpers import AuditWindow, env, fixture_values, raw, report

VALUES = fixture_values()


class ServerTest(unittest.IsolatedAsyncioTestCase):
    def setUp(self) -> None:
        self.root = env("VAULT_TOKEN")
        self.secrets = [*VALUES, self.root, env("SECRETS_TEST_READER_TOKEN"), env("SECRETS_TEST_WRITER_TOKEN")]
        self.client = SecretsClient()
        self.addCleanup(self.client.close)

    async def asyncSetUp(self) -> None:
        # The checks' own raw requests (urllib) block the test's loop on purpose; asyncio's debug
        # mode, which IsolatedAsyncioTestCase turns on, would report each as a slow callback.
        asyncio.get_running_loop().slow_callback_duration = 60

    def assertClean(self, e: BaseException) -> None:
        """No fixture value and no token in the message (nor in its repr)."""
        for text in (str(e), repr(e)):
            for s in self.secrets:
                self.assertNotIn(s, text)

    def assertRaisesClean(self, cls: type, fn: Any, *args: Any, **kwargs: Any) -> BaseException:
        with self.assertRaises(cls) as cm:
            fn(*args, **kwargs)
        self.assertClean(cm.exception)
        return cm.exception

    async def assertRaisesCleanAsync(self, cls: type, coro: Any) -> BaseException:
        with self.assertRaises(cls) as cm:
            await coro
        self.assertClean(cm.exception)
        return cm.exception


class Reads(ServerTest):
    async def test_get_strings_numbers_maps_and_the_longest_secret_wins(self) -> None:
        self.assertEqual(await self.client.get("app/password"), "hunter3-second")
        self.assertEqual(await self.client.get("app/n"), 3)
        self.assertEqual(await self.client.get("/team/db/user"), "db-user-u<&>")
        # cache/redis names no secret, so the key is redis.password of `cache`; its metadata sibling is no value.
        self.assertEqual(await self.client.get("cache/redis"), {"password": "redis-Passw0rd", "port": 6379})
        window = AuditWindow()
        self.assertEqual(await self.client.get("cache/redis/password"), "redis-Passw0rd")
        self.assertEqual(window.requests("secret/"), [("read", "secret/data/cache/redis"), ("read", "secret/data/cache")])

    async def test_get_many_sends_one_request_per_secret_not_per_path(self) -> None:
        paths = ["database/postgres/password", "database/postgres/user", "external/stripe/api_key", "jwt/private_key", "database/url"]
        window = AuditWindow()
        got = await self.client.get_many(paths)
        self.assertEqual(list(got), paths)
        self.assertIsInstance(got["database/postgres/password"], str)
        self.assertEqual(got["database/postgres/user"], "app_user")
        self.assertEqual(got["external/stripe/api_key"], "sk_test_stripe-0123")
        self.assertEqual(got["jwt/private_key"], "jwt-private-key-material")
        self.assertEqual(got["database/url"], "postgresql://app:db-url-Secret@db.internal/app")
        asked = window.requests("secret/")
        self.assertEqual(sorted(asked), [("read", "secret/data/database"), ("read", "secret/data/database/postgres"), ("read", "secret/data/external/stripe"), ("read", "secret/data/jwt")])

    async def test_get_many_reports_every_missing_path_at_once(self) -> None:
        e = await self.assertRaisesCleanAsync(SecretNotFound, self.client.get_many(["app/nope", "app/password", "zzz/none/here"]))
        self.assertEqual(e.secret_paths, ("app/nope", "zzz/none/here"))
        self.assertEqual(e.kind, "not-found")
        self.assertIsInstance(e, LookupError)

    async def test_list_by_folder_secret_and_key_prefix(self) -> None:
        self.assertEqual(await self.client.list("database"), ["database/postgres/password", "database/postgres/user", "database/url"])
        self.assertEqual(await self.client.list("database/postgres"), ["database/postgres/password", "database/postgres/user"])
        self.assertEqual(await self.client.list("cache/redis/"), ["cache/redis/password", "cache/redis/port"])
        everything = await self.client.list()
        self.assertTrue({"app/n", "app/password", "team/db/user", "jwt/private_key", "cache/redis/port"} <= set(everything))
        self.assertEqual(everything, sorted(everything))
        self.assertFalse([p for p in everything if "_metadata" in p or p.startswith("other/")])

    async def test_get_metadata_reads_the_files_sibling_and_none(self) -> None:
        self.assertEqual(await self.client.get_metadata("cache/redis/password"), {"owner": "team-cache", "ttl_days": 90})
        self.assertIsNone(await self.client.get_metadata("app/password"))
        await self.assertRaisesCleanAsync(SecretNotFound, self.client.get_metadata("app/nope"))

    async def test_coroutines_run_together(self) -> None:
        paths = ["app/password", "app/n", "team/db/user", "jwt/private_key", "external/stripe/api_key"]
        got = await asyncio.gather(*(self.client.get(p) for p in paths))
        self.assertEqual(got, ["hunter3-second", 3, "db-user-u<&>", "jwt-private-key-material", "sk_test_stripe-0123"])

    async def test_connections_are_kept_alive_between_requests(self) -> None:
        window = AuditWindow()
        sync = self.client.sync()
        for _ in range(3):
            sync.get("app/password")
        ports = {e["request"].get("remote_port") for e in window._entries() if e.get("type") == "request"}
        self.assertEqual(len(ports), 1, ports)


class Writes(ServerTest):
    async def test_set_with_metadata_goes_to_the_key_and_custom_metadata(self) -> None:
        metadata = {"owner": "py", "n": 1, "ok": True, "none": None}
        await self.client.set("py/new/secret", value="v-new-1", metadata=metadata)
        self.assertEqual(await self.client.get("py/new/secret"), "v-new-1")
        self.assertEqual(await self.client.get_metadata("py/new/secret"), metadata)
        status, body = raw("GET", "secret/data/py/new")
        self.assertEqual(status, 200)
        self.assertEqual(body["data"]["data"], {"secret": "v-new-1"})
        self.assertEqual(body["data"]["metadata"]["custom_metadata"], {"sdk-metadata:secret": '{"owner":"py","n":1,"ok":true,"none":null}'})

    async def test_set_patches_one_key_and_keeps_the_rest_and_the_metadata(self) -> None:
        await self.client.set("py/multi/a", "1", metadata={"rotated_at": "2025-11-18"})
        await self.client.set("py/multi/b", {"x": 1})
        window = AuditWindow()
        await self.client.set("py/multi/a", "2")
        self.assertEqual([op for op, _ in window.requests("secret/")], ["read", "patch"])
        self.assertEqual(raw("GET", "secret/data/py/multi")[1]["data"]["data"], {"a": "2", "b": {"x": 1}})
        self.assertEqual(await self.client.get_metadata("py/multi/a"), {"rotated_at": "2025-11-18"})

    async def test_a_map_replaces_the_old_map_and_null_is_a_value(self) -> None:
        await self.client.set("py/map/m", {"x": 1, "y": 2})
        await self.client.set("py/map/m", {"z": 3})
        self.assertEqual(await self.client.get("py/map/m"), {"z": 3})
        await self.client.set("py/map/n", None)
        self.assertIsNone(await self.client.get("py/map/n"))
        self.assertEqual(await self.client.get("py/map/m/z"), 3)

    def test_a_token_without_patch_writes_the_whole_secret_with_check_and_set(self) -> None:
        # The writer's policy grants read, create and update on secret/data/team/*, not patch.
        window = AuditWindow()
        with SyncSecretsClient(token=env("SECRETS_TEST_WRITER_TOKEN")) as writer:
            writer.set("team/db/note", "w-2")
        self.assertEqual(window.requests("secret/"), [("read", "secret/data/team/db"), ("patch", "secret/data/team/db"), ("update", "secret/data/team/db")])
        status, body = raw("GET", "secret/data/team/db")
        self.assertEqual((status, body["data"]["data"]), (200, {"user": "db-user-u<&>", "note": "w-2"}))

    def test_concurrent_sets_of_other_keys_of_one_secret_lose_nothing(self) -> None:
        sync = self.client.sync()
        sync.set("py/conc/seed", "0")
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda i: sync.set(f"py/conc/k{i}", f"v{i}"), range(8)))
        status, body = raw("GET", "secret/data/py/conc")
        self.assertEqual((status, body["data"]["data"]), (200, {"seed": "0", **{f"k{i}": f"v{i}" for i in range(8)}}))

    async def test_bad_values_and_metadata_are_refused_before_any_request(self) -> None:
        window = AuditWindow()
        for value in ({1, 2}, float("nan"), {"k": b"bytes"}, {1: "x"}):
            e = await self.assertRaisesCleanAsync(SecretsError, self.client.set("py/bad/k", value))
            self.assertEqual(e.kind, "usage")
        for metadata in ({"a": [1]}, {"": "x"}, "text"):
            e = await self.assertRaisesCleanAsync(SecretsError, self.client.set("py/bad/k", "v", metadata=metadata))  # type: ignore[arg-type]
            self.assertEqual(e.kind, "usage")
        self.assertEqual(window.requests(), [])


class Errors(ServerTest):
    async def test_not_found(self) -> None:
        e = await self.assertRaisesCleanAsync(SecretNotFound, self.client.get("app/nope"))
        self.assertEqual((e.secret_paths, e.kind), (("app/nope",), "not-found"))
        self.assertIn("the secret app has no key nope", str(e))
        e = await self.assertRaisesCleanAsync(SecretNotFound, self.client.get("nowhere/at/all"))
        self.assertIn("no secret holds it at", str(e))
        # A file the server's identity cannot open is absent.
        await self.assertRaisesCleanAsync(SecretNotFound, self.client.get("other/x"))

    async def test_malformed_paths(self) -> None:
        for path in ["app", "", "a//b", "../x", "a/./b", "a/b\0"]:
            e = await self.assertRaisesCleanAsync(SecretPathError, self.client.get(path))
            self.assertEqual(e.kind, "tree-path")
            self.assertIsInstance(e, ValueError)
        e = await self.assertRaisesCleanAsync(SecretsError, self.client.get(5))  # type: ignore[arg-type]
        self.assertEqual(e.kind, "usage")
        e = await self.assertRaisesCleanAsync(SecretsError, self.client.get_many("app/password"))  # type: ignore[arg-type]
        self.assertEqual(e.kind, "usage")

    async def test_a_denied_path(self) -> None:
        reader = SecretsClient(token=env("SECRETS_TEST_READER_TOKEN"))
        self.addCleanup(reader.close)
        self.assertEqual(await reader.get("team/db/user"), "db-user-u<&>")
        e = await self.assertRaisesCleanAsync(PermissionDenied, reader.get("app/password"))
        self.assertEqual(e.kind, "permission-denied")
        self.assertTrue(str(e).startswith(f"permission denied: GET secret/data/app at {env('VAULT_ADDR')}"), str(e))
        await self.assertRaisesCleanAsync(PermissionDenied, reader.set("team/db/user", "changed"))
        await self.assertRaisesCleanAsync(PermissionDenied, reader.get_many(["team/db/user", "app/password"]))
        await self.assertRaisesCleanAsync(PermissionDenied, reader.get_dynamic("database/creds/app"))
        self.assertEqual(await self.client.get("team/db/user"), "db-user-u<&>")

    async def test_an_unknown_token_and_no_token(self) -> None:
        unknown = "hvs.NotAToken0123456789abcdef"
        with SyncSecretsClient(token=unknown) as c:
            e = self.assertRaisesClean(PermissionDenied, c.get, "app/password")
        self.assertNotIn(unknown, str(e))
        with tempfile.TemporaryDirectory() as home, mock.patch.dict(os.environ, {"HOME": home}):
            os.environ.pop("VAULT_TOKEN")
            with SyncSecretsClient() as c:
                e = self.assertRaisesClean(PermissionDenied, c.get, "app/password")
        self.assertIn("no token was given", str(e))

    async def test_a_mount_that_is_not_kv2(self) -> None:
        with SyncSecretsClient(mount="/nope/") as c:
            e = self.assertRaisesClean(SecretsError, c.get, "app/password")
        self.assertEqual(e.kind, "usage")
        self.assertIn("no KV version 2 secrets at nope/", str(e))

    def test_metadata_that_is_not_the_sdks(self) -> None:
        status, _ = raw("POST", "secret/metadata/meta", body={"custom_metadata": {"sdk-metadata:k": "not json"}})
        self.assertEqual(status, 204)
        e = self.assertRaisesClean(IntegrityError, self.client.sync().get_metadata, "meta/k")
        self.assertEqual(e.kind, "metadata")

    async def test_get_secret_of_a_number(self) -> None:
        e = await self.assertRaisesCleanAsync(SecretTypeError, get_secret("app/n"))
        self.assertEqual((e.kind, e.secret_path, e.expected, e.actual), ("wrong-type", "app/n", "string", "number"))
        self.assertIsInstance(e, TypeError)


class Defaults(ServerTest):
    def test_the_token_file_vault_login_writes(self) -> None:
        with tempfile.TemporaryDirectory() as home, mock.patch.dict(os.environ, {"HOME": home}):
            os.environ.pop("VAULT_TOKEN")
            with open(os.path.join(home, ".vault-token"), "w") as f:
                f.write(self.root + "\n")
            self.assertEqual(get_secret_sync("app/password"), "hunter3-second")

    def test_url_from_vault_addr_and_an_explicit_one(self) -> None:
        url = env("VAULT_ADDR")
        with SyncSecretsClient(url=url + "/", token=self.root, mount="secret/", timeout=5, retries=0) as c:
            self.assertEqual(c.get("app/n"), 3)


class Dynamic(ServerTest):
    async def test_get_dynamic_database_credentials_and_revoke(self) -> None:
        creds = await self.client.get_dynamic("database/creds/app")
        self.assertEqual(set(creds), {"username", "password", "expires_in", "lease_id", "renewable"})
        self.assertEqual(creds["expires_in"], 3600)
        self.assertTrue(creds["renewable"])
        self.assertEqual(creds["lease_id"], f"database/creds/app/{creds['username']}")
        self.assertEqual(raw("PUT", "sys/leases/lookup", body={"lease_id": creds["lease_id"]})[0], 200)
        self.assertIsNone(await self.client.revoke(creds["lease_id"]))
        self.assertEqual(raw("PUT", "sys/leases/lookup", body={"lease_id": creds["lease_id"]})[0], 400)
        report("revoked", creds["username"])
        # A second revoke of the same lease succeeds, as in Vault.
        await self.client.revoke(creds["lease_id"])
        kept = self.client.sync().get_dynamic("database/creds/app")
        report("kept", {"username": kept["username"], "password": kept["password"], "lease_id": kept["lease_id"]})

    async def test_ttl_and_renew(self) -> None:
        window = AuditWindow()
        cred = await self.client.get_dynamic("database/creds/app", ttl="15m")
        # The ttl is sent (as seconds, in the query); a database role takes none, as Vault's
        # database/creds has no ttl field, so the role's default stands.
        self.assertEqual(cred["expires_in"], 3600)
        asked = [e["request"] for e in window._entries() if e.get("type") == "request" and e["request"]["path"] == "database/creds/app"]
        self.assertEqual([sorted(r.get("data") or {}) for r in asked], [["ttl"]])
        renewed = await self.client.renew(cred["lease_id"], increment="30m")
        self.assertEqual(renewed, {"lease_id": cred["lease_id"], "expires_in": 1800, "renewable": True, "warnings": []})
        capped = await self.client.renew(cred["lease_id"], increment=4 * 3600)
        self.assertLessEqual(capped["expires_in"], 7200)
        self.assertIn("capped", " ".join(capped["warnings"]))
        await self.client.revoke(cred["lease_id"])

    async def test_get_dynamic_errors(self) -> None:
        e = await self.assertRaisesCleanAsync(SecretsError, self.client.get_dynamic("database/creds/nope"))
        self.assertEqual(e.kind, "usage")
        e = await self.assertRaisesCleanAsync(SecretsError, self.client.get_dynamic("nomount/creds/x"))
        self.assertEqual(e.kind, "generic")
        await self.assertRaisesCleanAsync(SecretPathError, self.client.get_dynamic("database//creds"))
        e = await self.assertRaisesCleanAsync(SecretsError, self.client.get_dynamic("database/creds/app", ttl="soon-secret"))
        self.assertEqual(e.kind, "usage")
        self.assertNotIn("soon-secret", str(e))
        for bad in ("", 5):
            e = await self.assertRaisesCleanAsync(SecretsError, self.client.revoke(bad))  # type: ignore[arg-type]
            self.assertEqual(e.kind, "usage")
        e = await self.assertRaisesCleanAsync(SecretsError, self.client.renew("database/creds/app/v-nobody-x"))
        self.assertEqual(e.kind, "usage")


class SyncTwin(ServerTest):
    def test_every_method_blocking(self) -> None:
        for client in (SyncSecretsClient(), SecretsClient().sync()):
            with client as c:
                self.assertEqual(c.get("app/password"), "hunter3-second")
                self.assertEqual(c.get_many(["app/n", "team/db/user"]), {"app/n": 3, "team/db/user": "db-user-u<&>"})
                c.set("py/sync/k", "s-1", metadata={"by": "sync"})
                self.assertEqual(c.get_metadata("py/sync/k"), {"by": "sync"})
                self.assertEqual(c.list("py/sync"), ["py/sync/k"])
                creds = c.get_dynamic("database/creds/app")
                self.assertEqual(c.renew(creds["lease_id"], increment=600)["expires_in"], 600)
                c.revoke(creds["lease_id"])
                self.assertEqual(raw("PUT", "sys/leases/lookup", body={"lease_id": creds["lease_id"]})[0], 400)
                self.assertRaisesClean(SecretNotFound, c.get, "app/nope")
        self.assertEqual(get_secret_sync("database/url"), "postgresql://app:db-url-Secret@db.internal/app")


# -- the seed's snippets ---------------------------------------------------------------------

SEED_CLIENT = '''from secrets_client import SecretsClient

client = SecretsClient(url="https://vault.your-domain.com")
db_password = await client.get("database/postgres/password")
secrets = await client.get_many(["database/postgres/password", "external/stripe/api_key", "jwt/private_key"])
await client.set("database/postgres/password", value="new-password", metadata={"rotated_at": "2025-11-18"})
aws_creds = await client.get_dynamic("aws/sts/developer")
# Returns: {"access_key": "...", "secret_key": "...", "expires_in": 3600}
'''

SEED_GET_SECRET = '''from secrets_client import get_secret
DATABASE_URL = await get_secret("database/url")
'''

#: Vault's AWS engine's answer to `aws/sts/<role>` (builtin/logical/aws: access_key, secret_key,
#: security_token; STS credentials are not renewable), from the stand-in below.
STAND_IN_STS = {
    "request_id": "3c3a6a0e-0000-4000-8000-000000000001",
    "lease_id": "aws/sts/developer/kOfDZsiQ6BDWmqPNWF0pMpFl",
    "renewable": False,
    "lease_duration": 3600,
    "data": {"access_key": "ASIASTANDIN0EXAMPLE", "secret_key": "stand-in-secret-key-0123", "security_token": "stand-in-session-token-0123"},
    "wrap_info": None,
    "warnings": None,
    "auth": None,
    "mount_type": "aws",
}


class _StandInAws(http.server.BaseHTTPRequestHandler):
    """A stand-in for Vault's AWS engine in front of the real server: ``aws/sts/developer`` is
    answered here; every other request is passed to ``secrets serve`` as it came."""

    protocol_version = "HTTP/1.1"
    target = urlsplit(env("VAULT_ADDR"))
    seen: List[str] = []

    def log_message(self, *args: Any) -> None:
        pass

    def _relay(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/v1/aws/sts/developer" and self.command == "GET":
            status, out, ctype = 200, json.dumps(STAND_IN_STS).encode(), "application/json"
        else:
            conn = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            status, out, ctype = resp.status, resp.read(), resp.getheader("Content-Type") or "application/json"
            conn.close()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _relay


def _run_seed(source: str, namespace: Dict[str, Any]) -> None:
    """Runs a seed snippet as written: top-level ``await`` as in ``python -m asyncio``."""
    code = compile(source, "<seed>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    result = eval(code, namespace)  # noqa: S307 - the seed's own text, from this file
    if asyncio.iscoroutine(result):
        asyncio.run(result)


class Seed(unittest.TestCase):
    def _stand_in(self) -> str:
        """The stand-in's address, for this test."""
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _StandInAws)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def test_seed_client_snippet_verbatim_aws_from_a_stand_in_contract(self) -> None:
        address = self._stand_in()
        source = SEED_CLIENT.replace("https://vault.your-domain.com", address)
        self.assertEqual(source.count(address), 1)
        ns: Dict[str, Any] = {}
        _run_seed(source, ns)
        self.assertIsInstance(ns["db_password"], str)
        self.assertEqual(list(ns["secrets"]), ["database/postgres/password", "external/stripe/api_key", "jwt/private_key"])
        self.assertEqual(ns["secrets"]["external/stripe/api_key"], "sk_test_stripe-0123")
        aws = ns["aws_creds"]
        self.assertEqual({k: aws[k] for k in ("access_key", "secret_key", "expires_in")}, {"access_key": "ASIASTANDIN0EXAMPLE", "secret_key": "stand-in-secret-key-0123", "expires_in": 3600})
        self.assertEqual((aws["session_token"], aws["lease_id"], aws["renewable"]), ("stand-in-session-token-0123", "aws/sts/developer/kOfDZsiQ6BDWmqPNWF0pMpFl", False))
        # The set went through to the real server: the value, and the metadata where the TypeScript SDK keeps it.
        with SyncSecretsClient() as c:
            self.assertEqual(c.get("database/postgres/password"), "new-password")
            self.assertEqual(c.get_metadata("database/postgres/password"), {"rotated_at": "2025-11-18"})
        self.assertIn("GET /v1/aws/sts/developer", _StandInAws.seen)
        self.assertIn("PATCH /v1/secret/data/database/postgres", _StandInAws.seen)

    def test_seed_get_secret_snippet_verbatim(self) -> None:
        ns: Dict[str, Any] = {}
        _run_seed(SEED_GET_SECRET, ns)
        self.assertEqual(ns["DATABASE_URL"], "postgresql://app:db-url-Secret@db.internal/app")


if __name__ == "__main__":
    unittest.main()
