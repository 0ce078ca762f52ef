import { readFile } from "node:fs/promises";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { SecretsError } from "../../errors.js";
import { info } from "../io.js";
import { parseOptions, ServeOptions } from "../option-schemas.js";

/**
 * `secrets serve`: opens the server (src/server/open.ts), listens, and prints where, on stderr
 * (stdout may be the audit log). The only secret ever printed is the root token, once, on the start
 * that generated it. SIGTERM and SIGINT: stop accepting, finish in-flight requests, flush the audit
 * log, exit 0. SIGHUP: reopen the audit file. With `--pull-interval`, the branch follows its
 * upstream, fast-forward only (src/server/pull.ts), and what the puller reports is printed on stderr.
 * Every `--reap-interval` (default 1m; 0: never), the lease reaper (src/server/lease-reaper.ts)
 * revokes expired leases and drops expired credentials left by any server, SIGKILLed ones included.
 */
export async function serveCommand(raw: unknown): Promise<void> {
  const opts = parseOptions(ServeOptions, raw);
  const [{ parseListenAddress, checkListenSecurity }, { openServer }, { listen }, { LeaseReaper }] = await Promise.all([
    import("../../server/listen-address.js"),
    import("../../server/open.js"),
    import("../../server/http.js"),
    import("../../server/lease-reaper.js"),
  ]);
  const reapMs = reapIntervalMs(opts.reapInterval);
  const address = parseListenAddress(opts.listen);
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) throw new SecretsError("usage", "--tls-cert and --tls-key go together");
  checkListenSecurity(address, opts.tlsCert !== undefined, opts.insecureListen === true);
  const tls = opts.tlsCert && opts.tlsKey ? { cert: await readPem(opts.tlsCert), key: await readPem(opts.tlsKey) } : undefined;
  const audit = opts.auditFile === undefined ? undefined : opts.auditFile === "stdout" ? { stream: process.stdout, name: "stdout" } : { file: opts.auditFile };
  const pull = opts.pullInterval === undefined ? undefined : { intervalMs: pullIntervalMs(opts.pullInterval), report: info };
  // Vault's api_addr, for the identity tokens' issuer: known once the server listens.
  const listening: { url?: string } = {};
  const opened = await openServer({ cwd: process.cwd(), env: process.env, apiAddr: () => listening.url, ...(opts.stateDir ? { stateDir: opts.stateDir } : {}), ...(audit ? { audit } : {}), ...(pull ? { pull } : {}) });
  for (const lock of opened.recoveredLocks) info(`secrets serve: removed ${lock}, left by a server that was killed while running git`);
  const server = await listen({ listen: address, context: opened.context, ...(tls ? { tls } : {}) });
  listening.url = server.url;

  if (opened.generatedRootToken) {
    info("secrets serve: a root token was generated; it is printed only this once (its hash is kept in the state directory):");
    info(`Root Token: ${opened.generatedRootToken}`);
  }
  if (opened.context.sys.sealed) info("secrets serve: no age identity found: the server is sealed (secret routes answer 503)");
  info(`secrets serve: listening on ${server.url}`);
  opened.puller?.start();
  const reaper = reapMs > 0 ? new LeaseReaper((now) => opened.tidyLeases(now), reapMs, info) : undefined;
  reaper?.start();

  // A failure to close (the audit log could not be flushed) is reported by the CLI's one printer,
  // with its kind's exit code.
  await new Promise<void>((resolve, reject) => {
    const stop = (): void => {
      // No pull starts once stopping; one running is let finish (it is a fast-forward or a fetch).
      void (opened.puller?.stop() ?? Promise.resolve()).then(() => reaper?.stop()).then(() => server.close()).then(() => opened.leases.close()).then(resolve, (e: unknown) => {
        reject(e instanceof SecretsError ? e : new SecretsError("write-output", "could not close the audit log", { cause: e }));
      });
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    process.on("SIGHUP", () => {
      void server.reopenAudit().catch(() => info("secrets serve: could not reopen the audit log"));
    });
  });
}

/** `--pull-interval`: a Vault/Go duration (`30s`, `5m`, `1h`, or seconds), at least 100 ms. */
function pullIntervalMs(text: string): number {
  const parsed = parseDurationSeconds(text);
  if ("error" in parsed || parsed.seconds < 0.1) throw new SecretsError("usage", "--pull-interval must be a duration of at least 100ms, such as 30s or 5m");
  return Math.round(parsed.seconds * 1000);
}

/** `--reap-interval`: a duration (`30s`, `1m`), at least 1 s, or 0 for no reaper; default 1m. */
function reapIntervalMs(text: string | undefined): number {
  if (text === undefined) return 60_000;
  const parsed = parseDurationSeconds(text);
  if ("error" in parsed || (parsed.seconds !== 0 && parsed.seconds < 1)) throw new SecretsError("usage", "--reap-interval must be 0 or a duration of at least 1s, such as 30s or 5m");
  return Math.round(parsed.seconds * 1000);
}

async function readPem(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new SecretsError("read-input", "cannot read the file", { file, cause: e });
  }
}
