import path from "node:path";
import { renderTable } from "../../access/report.js";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { REPOSITORY_TOKEN_FILE } from "../../auth/tokens/repository-file.js";
import { RepositoryTokenStore, type RepositoryTokenEntry } from "../../auth/tokens/repository-store.js";
import { SecretsError } from "../../errors.js";
import { commitPaths } from "../../git/commit.js";
import { openRepo } from "../../git/repo.js";
import { info, writeStdout } from "../io.js";
import { parseOptionsWithSchemaMessages, TokenCreateOptions, TokenListOptions, TokenRevokeOptions } from "../option-schemas.js";

/** The repository's token store: `.secrets/tokens.yaml` at the top of the work tree holding the current directory. */
async function repositoryStore(): Promise<{ top: string; store: RepositoryTokenStore }> {
  const { top } = await openRepo(process.cwd());
  return { top, store: new RepositoryTokenStore(path.join(top, REPOSITORY_TOKEN_FILE)) };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function isoTime(seconds: number | null): string {
  return seconds === null ? "never" : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `--ttl`: Vault's duration syntax (parseutil.ParseDurationSecond), whole seconds. */
function ttlSeconds(text: string | undefined): number {
  if (text === undefined) return 0;
  const parsed = parseDurationSeconds(text);
  if ("error" in parsed) throw new SecretsError("usage", `--ttl: ${parsed.error}`);
  const seconds = Math.floor(parsed.seconds);
  if (seconds <= 0) throw new SecretsError("usage", "--ttl: must be at least one second");
  return seconds;
}

function metaPairs(pairs: readonly string[]): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new SecretsError("usage", "--meta: expected key=value");
    meta[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return meta;
}

async function commitIfAsked(top: string, commit: boolean | undefined, message: string): Promise<void> {
  if (!commit) return;
  const id = await commitPaths(top, [REPOSITORY_TOKEN_FILE], message);
  info(`committed ${id.slice(0, 12)}: ${message}`);
}

/** `secrets token create NAME --policy P…`: the token on stdout (and nothing else there), the rest on stderr. */
export async function tokenCreateCommand(name: string, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(TokenCreateOptions, raw);
  const ttl = ttlSeconds(opts.ttl);
  const meta = metaPairs(opts.meta);
  const { top, store } = await repositoryStore();
  const { token, info: created } = await store.create({ name, policies: opts.policy, noDefaultPolicy: !opts.defaultPolicy, ttl, meta }, nowSeconds());
  info(`${REPOSITORY_TOKEN_FILE}: token ${name} (accessor ${created.accessor}, policies ${created.policies.join(", ")}, expires ${isoTime(created.expireTime)})`);
  info("the token is shown once, below; only its hash is stored");
  await writeStdout(`${token}\n`);
  await commitIfAsked(top, opts.commit, `secrets token create ${name}`);
}

/** `secrets token revoke NAME`. */
export async function tokenRevokeCommand(name: string, raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(TokenRevokeOptions, raw);
  const { top, store } = await repositoryStore();
  const removed = await store.revoke(name);
  info(`${REPOSITORY_TOKEN_FILE}: revoked token ${name} (accessor ${removed.accessor})`);
  await commitIfAsked(top, opts.commit, `secrets token revoke ${name}`);
}

function listJson(entries: readonly RepositoryTokenEntry[]): unknown[] {
  return entries.map(({ name, info: t, expired }) => ({
    name,
    accessor: t.accessor,
    display_name: t.displayName,
    policies: t.policies,
    creation_time: t.creationTime,
    creation_ttl: t.creationTtl,
    expire_time: t.expireTime === null ? null : isoTime(t.expireTime),
    expired,
    meta: t.meta,
  }));
}

/** `secrets token list`: never a token, and not its hash either (it is no secret, but nothing needs it). */
export async function tokenListCommand(raw: unknown): Promise<void> {
  const opts = parseOptionsWithSchemaMessages(TokenListOptions, raw);
  const { store } = await repositoryStore();
  const entries = await store.list(nowSeconds());
  if (opts.format === "json") {
    await writeStdout(JSON.stringify(listJson(entries), null, 2) + "\n");
    return;
  }
  const rows = entries.map(({ name, info: t, expired }) => [name, t.accessor, t.policies.join(","), isoTime(t.creationTime), expired ? `expired ${isoTime(t.expireTime)}` : isoTime(t.expireTime)]);
  await writeStdout(renderTable(["NAME", "ACCESSOR", "POLICIES", "CREATED", "EXPIRES"], rows));
}
