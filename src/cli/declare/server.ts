import type { Command } from "commander";
import { examples } from "../options.js";

/** `secrets serve`: the Vault HTTP API over the repository (docs/server.md, "The server"). */
export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("serve the repository's secrets over the HashiCorp Vault HTTP API (KV version 2 at secret/)")
    .option("--listen <host:port>", "address to listen on (loopback unless TLS or --insecure-listen)", "127.0.0.1:8200")
    .option("--tls-cert <file>", "PEM certificate (chain) for HTTPS")
    .option("--tls-key <file>", "PEM private key for HTTPS")
    .option("--insecure-listen", "allow plain HTTP on a non-loopback address")
    .option("--audit-file <path>", "write the Vault-format audit log to this file, or to stdout")
    .option("--state-dir <dir>", "the server's own state: root token hash, audit salts (default: .git/secrets-server)")
    .option("--pull-interval <duration>", "fetch the branch's upstream this often (30s, 5m…) and fast-forward to it (never merges); default: no pulling")
    .option("--reap-interval <duration>", "revoke expired leases and drop the expired credentials the engines made (records or not) this often, first at start; 0: never. Default: 1m")
    .addHelpText("after", examples("secrets serve", "secrets serve --pull-interval 30s", "secrets serve --listen 0.0.0.0:8200 --tls-cert cert.pem --tls-key key.pem --audit-file /var/log/secrets-audit.log"))
    .action(async (raw: unknown) => (await import("../commands/serve.js")).serveCommand(raw));
}
