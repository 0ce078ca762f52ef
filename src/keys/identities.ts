import { readFile } from "../io/read.js";
import { isAbsolute, join } from "node:path";
import { SecretsError } from "../errors.js";
import { parseIdentity, type KnownIdentity } from "./age/identity.js";
import { shlexSplit } from "../util/shlex.js";
import { keyMaterialKind } from "../util/safe-text.js";

/**
 * Where age identities come from, exactly as sops 3.13 looks for them (docs/sops-format.md §11,
 * `age/keysource.go` loadIdentities). All sources are read and combined, in this order:
 *
 * 1. `SOPS_AGE_KEY`: identities inline, one per line; a line may hold several, space-separated.
 * 2. `SOPS_AGE_KEY_FILE`: an identity file.
 * 3. `SOPS_AGE_KEY_CMD`: a command, split like google/shlex and run without a shell; its stdout is an
 *    identity file. It gets `SOPS_AGE_RECIPIENT=<recipient>` when the caller gives a hint.
 * 4. The default file `<config dir>/sops/age/keys.txt` (`$XDG_CONFIG_HOME`, else `~/.config` on
 *    Linux; see `defaultKeyFilePath`). A missing default file is fine.
 *
 * Identity file syntax: one identity per line; empty lines and lines starting with `#` are skipped;
 * a CR before the LF is dropped; lines are not trimmed otherwise (a leading space makes the line an
 * unknown identity). Supported: `AGE-SECRET-KEY-1…` (X25519) and `AGE-SECRET-KEY-PQ-1…` (hybrid).
 * As in sops, one bad line makes its whole source unusable.
 *
 * Not supported: SSH identities (`SOPS_AGE_SSH_PRIVATE_KEY_FILE`, `~/.ssh/id_*` are not read at
 * all); plugin identities and passphrase-protected identity files (reported as load errors).
 *
 * Load errors are collected, not thrown: sops reports them only if decryption then fails (#1898).
 * Their messages name the source and a line number, never the line's content. A variable meant to
 * hold a path that holds key text instead (`SOPS_AGE_KEY_FILE=$(cat keys.txt)`, a common CI mix-up)
 * is reported by what it holds, never by its value.
 */

export type { KnownIdentity };

export interface IdentityLoadError {
  /** `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE=/path`, `SOPS_AGE_KEY_CMD`, or the default file's path. */
  source: string;
  message: string;
}

export interface IdentitySet {
  /** Parsed identities, in the order they are tried. */
  readonly identities: readonly KnownIdentity[];
  /** Sources that gave at least one identity, e.g. `SOPS_AGE_KEY_FILE=/path`. */
  readonly sources: readonly string[];
  /** Places looked at that gave nothing: unset variables, a missing default file, empty sources. */
  readonly unused: readonly string[];
  /** What went wrong while loading; reported only when no identity opens the file. */
  readonly errors: readonly IdentityLoadError[];
  /** Every place looked at, in order, with what it gave ("1 identity", "not set", "not found", or the load error). */
  readonly looked: readonly IdentitySourceReport[];
}

export interface IdentitySourceReport {
  source: string;
  result: string;
}

function identityCount(n: number): string {
  return n === 0 ? "no identities in it" : n === 1 ? "1 identity" : `${n} identities`;
}

/**
 * Why the value of a variable that should hold a path cannot be one, or undefined. Key text there
 * is named by kind, with the fix; the value itself is never put into a message.
 */
function notAPath(value: string): string | undefined {
  const kind = keyMaterialKind(value);
  if (kind === "age secret key" || kind === "age plugin identity") return "holds an age identity, not a path: put it in SOPS_AGE_KEY instead";
  if (kind === "private key") return "holds a private key, not a path to an age identity file";
  if (kind === "Vault token") return "holds a Vault token, not a path to an age identity file";
  if (/^\s*age1[0-9a-z]+\s*$/.test(value)) return "holds a public key (age1…), not a path to an age identity file";
  if (value.includes("\n")) return "holds several lines, not a path";
  return undefined;
}

export interface LoadIdentitiesOptions {
  /** Defaults to `process.env`. Also the environment `SOPS_AGE_KEY_CMD` runs in. */
  env?: NodeJS.ProcessEnv;
  /** The recipient being decrypted, passed to `SOPS_AGE_KEY_CMD` as `SOPS_AGE_RECIPIENT`. */
  recipientHint?: string;
  /** Home directory for the default key file; defaults to `$HOME` (`%USERPROFILE%` on Windows). */
  homedir?: string;
  /** Defaults to `process.platform`. */
  platform?: NodeJS.Platform;
}

const KEY_FILE_SUFFIX = join("sops", "age", "keys.txt");

/**
 * The default identity file sops reads: `<user config dir>/sops/age/keys.txt`, where the config dir
 * is `$XDG_CONFIG_HOME` if set (on macOS too, a sops special case), else `~/.config` on Linux,
 * `~/Library/Application Support` on macOS, `%AppData%` on Windows.
 * Throws SecretsError kind `config` when it cannot be determined (no home directory, or, like Go's
 * `os.UserConfigDir`, a relative `$XDG_CONFIG_HOME` on Linux).
 */
export function defaultKeyFilePath(env: NodeJS.ProcessEnv = process.env, opts: { homedir?: string; platform?: NodeJS.Platform } = {}): string {
  const platform = opts.platform ?? process.platform;
  const xdg = env.XDG_CONFIG_HOME;
  const fail = (why: string): never => {
    throw new SecretsError("config", `cannot determine the default age key file: ${why}`);
  };
  let dir: string;
  if (platform === "win32") {
    dir = env.APPDATA || fail("%AppData% is not set");
  } else if (platform === "darwin" && xdg) {
    dir = xdg;
  } else if (xdg) {
    dir = isAbsolute(xdg) ? xdg : fail("XDG_CONFIG_HOME is not an absolute path");
  } else {
    const home = opts.homedir ?? env.HOME;
    if (!home) fail("$HOME is not set");
    dir = platform === "darwin" ? join(home!, "Library", "Application Support") : join(home!, ".config");
  }
  return join(dir, KEY_FILE_SUFFIX);
}

/**
 * Parses identity-file text. `multiplePerLine`: a line may hold several space-separated identities
 * (`SOPS_AGE_KEY` since sops 3.13). Throws Error `line N: …` (without the line) on the first bad line.
 */
export function parseIdentityFile(text: string, opts: { multiplePerLine?: boolean } = {}): KnownIdentity[] {
  if (text.startsWith("age-encryption.org/") || text.trimStart().startsWith("-----BEGIN AGE ENCRYPTED FILE-----")) {
    throw new Error("passphrase-protected identity files are not supported");
  }
  const out: KnownIdentity[] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line === "" || line.startsWith("#")) continue;
    const items = opts.multiplePerLine ? line.split(" ").filter((x) => x !== "") : [line];
    for (const item of items) {
      try {
        out.push(parseIdentity(item));
      } catch (e) {
        throw new Error(`line ${n + 1}: ${(e as Error).message}`);
      }
    }
  }
  return out;
}

function errorCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : "unknown error";
}

/** Runs SOPS_AGE_KEY_CMD without a shell; stdin is closed, stderr is not shown (as sops). */
async function runKeyCommand(cmd: string, env: NodeJS.ProcessEnv, hint: string | undefined): Promise<{ out: string } | { error: string }> {
  let argv: string[];
  try {
    argv = shlexSplit(cmd);
  } catch (e) {
    return { error: `cannot split the command: ${(e as Error).message}` };
  }
  if (argv.length === 0) return { error: "the command is empty" };
  const program = argv[0]!;
  const { spawn } = await import("node:child_process");
  return new Promise((resolve) => {
    const child = spawn(program, argv.slice(1), {
      env: hint === undefined ? env : { ...env, SOPS_AGE_RECIPIENT: hint },
      stdio: ["ignore", "pipe", "pipe"],
      shell: false,
      windowsHide: true,
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.resume();
    child.on("error", (e) => resolve({ error: `cannot run \`${program}\` (${errorCode(e)})` }));
    child.on("close", (code, signal) => {
      if (code === 0) resolve({ out: Buffer.concat(chunks).toString("utf8") });
      else resolve({ error: signal ? `\`${program}\` was killed by ${signal}` : `\`${program}\` exited with status ${code}` });
    });
  });
}

/** Loads every identity source (see the module comment). Never throws for a load problem. */
export async function loadIdentities(opts: LoadIdentitiesOptions = {}): Promise<IdentitySet> {
  const env = opts.env ?? process.env;
  const identities: KnownIdentity[] = [];
  const sources: string[] = [];
  const unused: string[] = [];
  const errors: IdentityLoadError[] = [];
  const looked: IdentitySourceReport[] = [];

  const fail = (source: string, message: string) => {
    errors.push({ source, message });
    looked.push({ source, result: message });
  };
  const nothing = (source: string, result: string) => {
    unused.push(source);
    looked.push({ source, result });
  };
  const add = (source: string, text: string, multiplePerLine = false) => {
    let ids: KnownIdentity[];
    try {
      ids = parseIdentityFile(text, { multiplePerLine });
    } catch (e) {
      fail(source, (e as Error).message);
      return;
    }
    if (ids.length === 0) nothing(source, identityCount(0));
    else {
      identities.push(...ids);
      sources.push(source);
      looked.push({ source, result: identityCount(ids.length) });
    }
  };
  const readSource = async (source: string, path: string, missingIsFine: boolean) => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      if (missingIsFine && errorCode(e) === "ENOENT") nothing(source, "not found");
      else fail(source, `cannot read the file (${errorCode(e)})`);
      return;
    }
    add(source, text);
  };

  if (env.SOPS_AGE_KEY !== undefined) add("SOPS_AGE_KEY", env.SOPS_AGE_KEY, true);
  else nothing("SOPS_AGE_KEY", "not set");

  const keyFile = env.SOPS_AGE_KEY_FILE;
  if (keyFile === undefined) nothing("SOPS_AGE_KEY_FILE", "not set");
  else {
    const misuse = notAPath(keyFile);
    if (misuse !== undefined) fail("SOPS_AGE_KEY_FILE", misuse);
    else await readSource(`SOPS_AGE_KEY_FILE=${keyFile}`, keyFile, false);
  }

  const cmd = env.SOPS_AGE_KEY_CMD;
  if (cmd !== undefined) {
    const r = await runKeyCommand(cmd, env, opts.recipientHint);
    if ("error" in r) fail("SOPS_AGE_KEY_CMD", r.error);
    else add("SOPS_AGE_KEY_CMD", r.out);
  } else nothing("SOPS_AGE_KEY_CMD", "not set");

  let defaultPath: string | undefined;
  try {
    defaultPath = defaultKeyFilePath(env, { homedir: opts.homedir, platform: opts.platform });
  } catch (e) {
    // Like sops: only worth reporting when there is nothing else.
    if (identities.length === 0) fail("default key file", (e as Error).message.replace(/^cannot determine the default age key file: /, "cannot be located: "));
  }
  if (defaultPath !== undefined) await readSource(defaultPath, defaultPath, true);

  return { identities, sources, unused, errors, looked };
}

/** An IdentitySet from explicit identity strings (SDK callers, tests). Throws nothing: bad ones are load errors. */
export function identitiesFromStrings(keys: readonly string[], source = "identities given by the caller"): IdentitySet {
  const identities: KnownIdentity[] = [];
  const errors: IdentityLoadError[] = [];
  keys.forEach((k, i) => {
    try {
      identities.push(parseIdentity(k.trim()));
    } catch (e) {
      errors.push({ source, message: `item ${i + 1}: ${(e as Error).message}` });
    }
  });
  const result = [identities.length ? identityCount(identities.length) : keys.length ? "" : "none given", ...errors.map((e) => e.message)].filter(Boolean).join("; ");
  return { identities, sources: identities.length ? [source] : [], unused: keys.length ? [] : [source], errors, looked: [{ source, result }] };
}

/**
 * One value-free line about where identities were looked for and what each place gave, for "no key"
 * errors: `1 identity loaded, looked in SOPS_AGE_KEY (not set), SOPS_AGE_KEY_FILE=/k.txt (1 identity), …`.
 */
export function describeIdentitySet(set: IdentitySet): string {
  const total = set.identities.length;
  const head = total === 0 ? "none loaded" : `${identityCount(total)} loaded`;
  return `${head}, looked in ${set.looked.map((l) => `${l.source} (${l.result})`).join(", ")}`;
}

/**
 * The error for "no identity opened any entry": kind `no-key` (exit 128), listing the recipients the
 * file is encrypted to and, only now, the load errors.
 */
export function noKeyError(set: IdentitySet, recipients: readonly string[]): SecretsError {
  const to = recipients.length ? `the file is encrypted to ${recipients.join(", ")}` : "the file has no age recipients";
  return new SecretsError("no-key", `failed to get the data key: no age identity could decrypt it (${to}); ${describeIdentitySet(set)}`);
}
