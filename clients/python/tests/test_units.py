"""The parts that need no ``secrets serve``: settings from the environment, the path namespace, the
merge patch ``set`` sends, the exceptions, the transport's retries against loopback stand-ins, and
that every module is Python 3.9 syntax."""

from __future__ import annotations

import ast
import http.server
import json
import os
import pathlib
import socket
import ssl
import subprocess
import tempfile
import threading
import unittest
import unittest.mock
from typing import Any, List, Tuple

import secrets_client
from secrets_client import PermissionDenied, SecretNotFound, SecretPathError, SecretsError, ServerUnavailable, SyncSecretsClient
from secrets_client._durations import duration_seconds
from secrets_client._paths import MISSING, get_at, leaves_of, metadata_keys_in, parse_secret_path, set_as_merge_patch, set_at, sibling_metadata, splits_of, to_secret_value
from secrets_client._settings import resolve_settings

PACKAGE = pathlib.Path(secrets_client.__file__).parent


class Settings(unittest.TestCase):
    def test_defaults_as_hvac(self) -> None:
        with tempfile.TemporaryDirectory() as home:
            s = resolve_settings(None, None, "secret", 30, 2, env={}, home=home)
            self.assertEqual((s.shown, s.token, s.mount, s.timeout, s.retries), ("http://localhost:8200", None, "secret", 30.0, 2))
            with open(os.path.join(home, ".vault-token"), "w") as f:
                f.write("  s.from-file\n")
            self.assertEqual(resolve_settings(None, None, "secret", 30, 2, env={}, home=home).token, "s.from-file")
            # An empty VAULT_TOKEN is no token: the file is read, as hvac does.
            self.assertEqual(resolve_settings(None, None, "secret", 30, 2, env={"VAULT_TOKEN": ""}, home=home).token, "s.from-file")
            s = resolve_settings(None, None, "/kv/", 30, 2, env={"VAULT_ADDR": "https://vault.example.com:8443/prefix/", "VAULT_TOKEN": "s.env"}, home=home)
            self.assertEqual((s.scheme, s.host, s.port, s.base_path, s.shown, s.token, s.mount), ("https", "vault.example.com", 8443, "/prefix", "https://vault.example.com:8443/prefix", "s.env", "kv"))
            s = resolve_settings("http://127.0.0.1:8200", "s.arg", "secret", 1.5, 0, env={"VAULT_ADDR": "http://elsewhere", "VAULT_TOKEN": "s.env"}, home=home)
            self.assertEqual((s.host, s.token, s.timeout, s.retries), ("127.0.0.1", "s.arg", 1.5, 0))

    def test_bad_arguments_name_the_argument_never_its_value(self) -> None:
        cases: List[Tuple[Any, ...]] = [
            ("ftp://user:hunter2@host", None, "secret", 30, 2),
            ("http://user:hunter2@", None, "secret", 30, 2),
            (None, "", "secret", 30, 2),
            (None, None, "a/../b", 30, 2),
            (None, None, "//", 30, 2),
            (None, None, "secret", 0, 2),
            (None, None, "secret", float("inf"), 2),
            (None, None, "secret", True, 2),
            (None, None, "secret", 30, 11),
            (None, None, "secret", 30, 1.5),
        ]
        for args in cases:
            with self.assertRaises(SecretsError) as cm:
                resolve_settings(*args, env={}, home="/nonexistent")
            self.assertEqual(cm.exception.kind, "usage")
            self.assertNotIn("hunter2", str(cm.exception))
        with self.assertRaises(SecretsError) as cm:
            resolve_settings(None, None, "secret", 30, 2, env={"VAULT_ADDR": "not a url"}, home="/nonexistent")
        self.assertIn("VAULT_ADDR", str(cm.exception))

    def test_the_shown_address_has_no_credentials(self) -> None:
        s = resolve_settings("https://user:hunter2@vault.example.com/v", None, "secret", 30, 2, env={}, home="/nonexistent")
        self.assertEqual(s.shown, "https://vault.example.com/v")


class Paths(unittest.TestCase):
    def test_the_namespace(self) -> None:
        self.assertEqual(parse_secret_path("/database/postgres/password"), ["database", "postgres", "password"])
        self.assertEqual(splits_of(["database", "postgres", "password"]), [(["database", "postgres"], ["password"]), (["database"], ["postgres", "password"])])
        self.assertEqual(parse_secret_path("", prefix=True), [])
        self.assertEqual(parse_secret_path("app/", prefix=True), ["app"])
        for bad in ["", "a//b", "./a", "a/..", "a\0"]:
            with self.assertRaises(SecretPathError):
                parse_secret_path(bad)
        with self.assertRaises(SecretPathError) as cm:
            splits_of(["app"])
        self.assertIn("names no key", str(cm.exception))

    def test_get_and_set_as_the_files(self) -> None:
        data: Any = {"a": {"b": [10, {"c": 1}]}, "s": "x"}
        self.assertEqual(get_at(data, ["a", "b", "1", "c"]), 1)
        self.assertIs(get_at(data, ["a", "b", "5"]), MISSING)
        self.assertIs(get_at(data, ["s", "t"]), MISSING)
        self.assertIsNone(get_at({"n": None}, ["n"]))
        set_at(data, ["s", "t"], 2)  # a scalar on the way becomes a map
        set_at(data, ["a", "b", "9"], 3)  # past the end of a list: appended
        set_at(data, ["new", "deep"], True)
        self.assertEqual(data, {"a": {"b": [10, {"c": 1}, 3]}, "s": {"t": 2}, "new": {"deep": True}})

    def test_the_merge_patch_names_only_the_key(self) -> None:
        data = {"password": "old", "m": {"x": 1, "y": 2}, "l": [{"k": 1}]}
        self.assertEqual(set_as_merge_patch(data, ["password"], "new"), {"password": "new"})
        self.assertEqual(set_as_merge_patch(data, ["m"], {"z": 3}), {"m": {"x": None, "y": None, "z": 3}})
        self.assertEqual(set_as_merge_patch(data, ["deep", "er"], [1, 2]), {"deep": {"er": [1, 2]}})
        self.assertIsNone(set_as_merge_patch(data, ["password"], None))
        self.assertIsNone(set_as_merge_patch(data, ["m"], {"a": [None]}))
        self.assertIsNone(set_as_merge_patch(data, ["l", "0", "k"], 2))

    def test_metadata_siblings_are_no_values(self) -> None:
        data = {"password": "p", "password_metadata_unencrypted": {"owner": "o"}, "k_metadata": {"x": 1}, "lone_metadata": {"y": 1}, "nested_metadata": {"a": {"b": 1}}, "nested": 1}
        self.assertEqual(metadata_keys_in(data), {"password_metadata_unencrypted"})
        self.assertEqual(sorted(map(tuple, leaves_of(data))), [("k_metadata", "x"), ("lone_metadata", "y"), ("nested",), ("nested_metadata", "a", "b"), ("password",)])
        self.assertEqual(to_secret_value({"in": data})["in"].keys(), {"password", "k_metadata", "lone_metadata", "nested_metadata", "nested"})
        self.assertEqual(sibling_metadata(data, ["password"]), {"owner": "o"})
        self.assertIsNone(sibling_metadata(data, ["nested"]))


class Durations(unittest.TestCase):
    def test_as_vault_reads_them(self) -> None:
        cases = {None: 0, 0: 0, 90: 90, "90": 90, "15m": 900, "1h30m": 5400, "1.5s": 1, "2d": 172800, "0": 0}
        for given, seconds in cases.items():
            self.assertEqual(duration_seconds(given, "ttl"), seconds, given)
        for bad in ("", "soon-secret", "-1", -1, "1x", True, 1.5, "m"):
            with self.assertRaises(SecretsError) as cm:
                duration_seconds(bad, "ttl")  # type: ignore[arg-type]
            self.assertEqual(cm.exception.kind, "usage")
            self.assertNotIn("soon", str(cm.exception))


class Errors(unittest.TestCase):
    def test_types_and_kinds(self) -> None:
        e = SecretNotFound(["a/b", "c/d"], "2 secrets not found: a/b, c/d")
        self.assertEqual((e.kind, e.secret_paths, str(e)), ("not-found", ("a/b", "c/d"), "2 secrets not found: a/b, c/d"))
        self.assertIsInstance(e, LookupError)
        for cls in (SecretNotFound, PermissionDenied, ServerUnavailable, SecretPathError):
            self.assertTrue(issubclass(cls, SecretsError))
        self.assertEqual(sorted(secrets_client.__all__), sorted(n for n in dir(secrets_client) if not n.startswith("_") and n in secrets_client.__all__))

    def test_messages_redact_key_material(self) -> None:
        e = SecretsError("usage", "x hvs.ABCDEFGHIJKLMNOPQRSTUVWX and AGE-SECRET-KEY-1QQQQ\nnext")
        self.assertEqual(str(e), "x [redacted Vault token] and [redacted age secret key]\\x0anext")


class _StandIn(http.server.BaseHTTPRequestHandler):
    """A stand-in server answering every request with the class's status, counting them."""

    protocol_version = "HTTP/1.1"
    status = 503
    seen: List[str] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = json.dumps({"errors": [f"stand-in {self.status} for {self.headers.get('X-Vault-Token')}"]}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TransportStandIn(unittest.TestCase):
    def _serve(self, status: int) -> str:
        handler = type("Handler", (_StandIn,), {"status": status, "seen": []})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.handler = handler
        return f"http://127.0.0.1:{server.server_address[1]}"

    def test_stand_in_503_is_retried_then_server_unavailable_without_the_token(self) -> None:
        url = self._serve(503)
        with SyncSecretsClient(url=url, token="s.stand-in-token", retries=2) as c:
            with self.assertRaises(ServerUnavailable) as cm:
                c.get("app/password")
        self.assertEqual(len(self.handler.seen), 3)
        self.assertEqual(cm.exception.kind, "unavailable")
        self.assertIn("(503: stand-in 503 for [token]) after 3 attempts", str(cm.exception))
        self.assertNotIn("s.stand-in-token", str(cm.exception))

    def test_stand_in_501_and_403_are_not_retried(self) -> None:
        for status, cls in ((501, SecretsError), (403, PermissionDenied)):
            url = self._serve(status)
            with SyncSecretsClient(url=url, token="s.t", retries=3) as c:
                with self.assertRaises(cls):
                    c.get("app/password")
            self.assertEqual(len(self.handler.seen), 1, status)

    def test_a_refused_connection_is_server_unavailable(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with SyncSecretsClient(url=f"http://127.0.0.1:{port}", token="s.t", retries=1) as c:
            with self.assertRaises(ServerUnavailable) as cm:
                c.get("app/password")
        self.assertEqual(str(cm.exception), f"cannot reach the server at http://127.0.0.1:{port}: ECONNREFUSED (2 attempts)")


class _ClosingStandIn(http.server.BaseHTTPRequestHandler):
    """A stand-in that answers a KV v2 read, then closes the connection without saying so (no
    ``Connection: close``): what a server's keep-alive timeout does to an idle connection."""

    protocol_version = "HTTP/1.1"
    seen: List[str] = []

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = json.dumps({"data": {"data": {"password": "stand-in-value"}, "metadata": {"version": 1, "custom_metadata": None}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


class KeptConnectionsStandIn(unittest.TestCase):
    def _serve(self, handler: Any, wrap: Any = None) -> int:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        if wrap is not None:
            server.socket = wrap(server.socket)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server.server_address[1]

    def test_stand_in_a_kept_connection_the_server_closed_is_replaced_not_an_error(self) -> None:
        handler = type("Handler", (_ClosingStandIn,), {"seen": []})
        port = self._serve(handler)
        with SyncSecretsClient(url=f"http://127.0.0.1:{port}", token="s.t", retries=0) as c:
            for _ in range(3):
                self.assertEqual(c.get("app/password"), "stand-in-value")
        self.assertEqual(handler.seen, ["/v1/secret/data/app"] * 3)

    def test_stand_in_https_with_vault_cacert_and_a_refused_certificate(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                check=True,
                capture_output=True,
            )
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            handler = type("Handler", (_ClosingStandIn,), {"seen": []})
            port = self._serve(handler, lambda sock: context.wrap_socket(sock, server_side=True))
            url = f"https://127.0.0.1:{port}"
            with SyncSecretsClient(url=url, token="s.t", retries=2) as c:
                with self.assertRaises(ServerUnavailable) as cm:
                    c.get("app/password")
            self.assertEqual(str(cm.exception), f"cannot reach the server at {url}: its TLS certificate was refused")
            with unittest.mock.patch.dict(os.environ, {"VAULT_CACERT": cert}):
                with SyncSecretsClient(url=url, token="s.t") as c:
                    self.assertEqual(c.get("app/password"), "stand-in-value")
            self.assertEqual(handler.seen, ["/v1/secret/data/app"])


class Python39(unittest.TestCase):
    def test_every_module_parses_as_python_3_9(self) -> None:
        files = sorted(PACKAGE.glob("*.py"))
        self.assertGreater(len(files), 5)
        for f in files:
            ast.parse(f.read_text(encoding="utf-8"), filename=str(f), feature_version=(3, 9))

    def test_py_typed_ships(self) -> None:
        self.assertTrue((PACKAGE / "py.typed").is_file())


if __name__ == "__main__":
    unittest.main()
