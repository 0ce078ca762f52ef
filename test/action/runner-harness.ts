/**
 * Runs a bundled JavaScript action as the GitHub Actions runner does, and replays what it printed
 * through a model of the runner's command parser and secret masker. A TypeScript port of the
 * reference harness in docs/testing-the-action.md (appendix A), with the same rules:
 * - the step environment is built from scratch (only PATH is inherited), with INPUT_* for every
 *   input declared in action.yml (default or '') and empty file-command files;
 * - stdout is replayed line by line (a line ends at \r\n, \n or a lone \r), acting on ::add-mask:: and
 *   ::stop-commands::; stderr is replayed with only the masks stderr registered (it may overtake stdout);
 * - GITHUB_ENV/GITHUB_OUTPUT/GITHUB_STATE are parsed as the runner parses them;
 * - a leak is any form of a value (whole, a line, JSON-escaped, URL-encoded, base64/base64url cores)
 *   found in the replayed log, raw stdout (minus add-mask lines), raw stderr, the summary, state or path.
 * Leaks are reported by secret name and place, never by value: test output is a log too.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import YAML from "yaml";

// ---- the step environment -----------------------------------------------------------------------

export const FILE_COMMANDS = ["GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_STEP_SUMMARY", "GITHUB_PATH"] as const;
export type FileCommand = (typeof FILE_COMMANDS)[number];

/** INPUT_<NAME>: upper-cased, spaces (only spaces) turned into '_'; hyphens stay. */
export const inputEnvName = (name: string): string => `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;

interface ActionMeta {
  inputs?: Record<string, { default?: unknown } | null>;
  runs?: { main?: string; post?: string };
}

export interface Step {
  root: string;
  dirs: { workspace: string; runnerWorkspace: string; temp: string; toolCache: string; home: string };
  files: Record<FileCommand, string>;
  meta: ActionMeta;
  actionDir: string;
  env: Record<string, string>;
}

export const TEST_SHA = "0123456789abcdef0123456789abcdef01234567";

export interface PrepareOptions {
  actionDir: string;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  eventName?: string;
  event?: unknown;
  debug?: boolean;
}

/**
 * A fresh step: workspace, RUNNER_TEMP, empty file-command files, event payload, INPUT_* for every
 * declared input. Only PATH is taken from the calling process, so a test running inside a real
 * workflow never writes to that workflow's own GITHUB_ENV or GITHUB_OUTPUT.
 */
export function prepareStep({ actionDir, inputs = {}, env = {}, eventName = "push", event = { ref: "refs/heads/main" }, debug = false }: PrepareOptions): Step {
  const root = mkdtempSync(join(tmpdir(), "action-step-"));
  const dirs = {
    workspace: join(root, "work", "app", "app"),
    runnerWorkspace: join(root, "work", "app"),
    temp: join(root, "temp"),
    toolCache: join(root, "toolcache"),
    home: join(root, "home"),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.temp, "_runner_file_commands"));
  const files = {} as Record<FileCommand, string>;
  for (const k of FILE_COMMANDS) {
    files[k] = join(dirs.temp, "_runner_file_commands", k.toLowerCase());
    writeFileSync(files[k], "");
  }
  const eventPath = join(root, "event.json");
  writeFileSync(eventPath, JSON.stringify(event));

  const meta = YAML.parse(readFileSync(join(actionDir, "action.yml"), "utf8")) as ActionMeta;
  const inputEnv: Record<string, string> = {};
  // The runner sets every declared input: the workflow's value, else the default, else ''.
  for (const [name, spec] of Object.entries(meta.inputs ?? {})) inputEnv[inputEnvName(name)] = spec?.default === undefined ? "" : String(spec.default);
  for (const [name, value] of Object.entries(inputs)) inputEnv[inputEnvName(name)] = value;

  const base: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dirs.home,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: dirs.workspace,
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: "acme/app",
    GITHUB_REPOSITORY_ID: "1",
    GITHUB_REPOSITORY_OWNER: "acme",
    GITHUB_REPOSITORY_OWNER_ID: "1",
    GITHUB_SHA: TEST_SHA,
    GITHUB_REF: "refs/heads/main",
    GITHUB_REF_NAME: "main",
    GITHUB_REF_TYPE: "branch",
    GITHUB_REF_PROTECTED: "false",
    GITHUB_RUN_ID: "1",
    GITHUB_RUN_NUMBER: "1",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_JOB: "deploy",
    GITHUB_ACTION: "__acme_secrets",
    GITHUB_ACTION_REPOSITORY: "acme/secrets",
    GITHUB_ACTION_REF: "v1",
    GITHUB_ACTOR: "octocat",
    GITHUB_ACTOR_ID: "1",
    GITHUB_TRIGGERING_ACTOR: "octocat",
    GITHUB_WORKFLOW: "deploy",
    GITHUB_WORKFLOW_REF: "acme/app/.github/workflows/deploy.yml@refs/heads/main",
    GITHUB_WORKFLOW_SHA: TEST_SHA,
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_API_URL: "https://api.github.com",
    GITHUB_GRAPHQL_URL: "https://api.github.com/graphql",
    GITHUB_RETENTION_DAYS: "90",
    RUNNER_OS: "Linux",
    RUNNER_ARCH: "X64",
    RUNNER_NAME: "GitHub Actions 1",
    RUNNER_ENVIRONMENT: "github-hosted",
    RUNNER_TEMP: dirs.temp,
    RUNNER_TOOL_CACHE: dirs.toolCache,
    RUNNER_WORKSPACE: dirs.runnerWorkspace,
    ...(debug ? { RUNNER_DEBUG: "1" } : {}),
    ...files,
  };
  return { root, dirs, files, meta, actionDir: resolve(actionDir), env: { ...base, ...env, ...inputEnv } };
}

export interface StageResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs runs.main, or runs.post with STATE_<name> taken from GITHUB_STATE, as `node <file>` in the workspace. */
export function runStage(step: Step, stage: "main" | "post" = "main", { timeout = 60_000 } = {}): StageResult {
  const target = step.meta.runs?.[stage];
  if (!target) throw new Error(`action.yml has no runs.${stage}`);
  let env = step.env;
  if (stage === "post") {
    const { values } = parseFileCommands(readFileSync(step.files.GITHUB_STATE, "utf8"));
    env = { ...env };
    for (const [k, v] of Object.entries(values)) env[`STATE_${k}`] = v;
  }
  const r = spawnSync(process.execPath, [join(step.actionDir, target)], { cwd: step.dirs.workspace, env, encoding: "utf8", timeout, maxBuffer: 64 << 20 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * runStage without blocking the event loop: for tests whose own process serves the action (a local
 * HTTP server standing in for the GitHub API).
 */
export function runStageAsync(step: Step, stage: "main" | "post" = "main", { timeout = 60_000 } = {}): Promise<StageResult> {
  const target = step.meta.runs?.[stage];
  if (!target) throw new Error(`action.yml has no runs.${stage}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(step.actionDir, target)], { cwd: step.dirs.workspace, env: step.env, timeout });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}

// ---- file commands -------------------------------------------------------------------------------

export interface Parsed {
  values: Record<string, string>;
  error: string | null;
}

/**
 * The runner's reader for GITHUB_ENV, GITHUB_OUTPUT and GITHUB_STATE on Linux: records are
 * `name=value` or `name<<DELIM` ... `DELIM`; lines end at '\n' only ('\r' stays in the value).
 * Records take effect one by one, so on a malformed record the earlier ones are already applied
 * and the step fails: returns { values, error }.
 */
export function parseFileCommands(text: string): Parsed {
  const values: Record<string, string> = {};
  const lines = text.split("\n");
  if (text.endsWith("\n")) lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") continue;
    const eq = line.indexOf("=");
    const hd = line.indexOf("<<");
    if (eq >= 0 && (hd < 0 || eq < hd)) {
      values[line.slice(0, eq)] = line.slice(eq + 1);
      continue;
    }
    if (hd < 0) return { values, error: `line ${i + 1}: neither name=value nor name<<delimiter` };
    const name = line.slice(0, hd);
    const delim = line.slice(hd + 2);
    if (!name || !delim) return { values, error: `line ${i + 1}: empty name or delimiter` };
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]!);
    if (i >= lines.length) return { values, error: `record '${name}': matching delimiter not found` };
    values[name] = value.join("\n");
  }
  return { values, error: null };
}

// ---- the runner's log ----------------------------------------------------------------------------

const COMMANDS = new Set(["add-mask", "stop-commands", "debug", "notice", "warning", "error", "group", "endgroup", "echo", "save-state", "set-output", "set-env", "add-path", "add-matcher", "remove-matcher"]);
const unescapeData = (s: string) => s.replaceAll("%0D", "\r").replaceAll("%0A", "\n").replaceAll("%25", "%");
const unescapeLegacy = (s: string) => s.replaceAll("%3B", ";").replaceAll("%0D", "\r").replaceAll("%0A", "\n").replaceAll("%5D", "]").replaceAll("%25", "%");

/** A workflow command as the runner reads it: `::name props::data` at the start (after blanks), else `##[name props]data` anywhere. */
export function parseCommand(line: string, extraName: string | null = null): { name: string; data: string } | null {
  const known = (n: string) => COMMANDS.has(n.toLowerCase()) || (extraName !== null && n.toLowerCase() === extraName.toLowerCase());
  const t = line.trimStart();
  if (t.startsWith("::")) {
    const end = t.indexOf("::", 2);
    const name = end >= 0 ? t.slice(2, end).split(" ")[0]! : "";
    if (end >= 0 && known(name)) return { name: name.toLowerCase(), data: unescapeData(t.slice(end + 2)) };
  }
  const p = line.indexOf("##[");
  const rb = p >= 0 ? line.indexOf("]", p) : -1;
  const name = rb >= 0 ? line.slice(p + 3, rb).split(" ")[0]! : "";
  if (rb >= 0 && known(name)) return { name: name.toLowerCase(), data: unescapeLegacy(line.slice(rb + 1)) };
  return null;
}

/** The runner reads a child's output with .NET ReadLine: a line ends at \r\n, \n or a lone \r. */
export const readLines = (s: string): string[] => {
  const lines = s.split(/\r\n|\r|\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
};

/** Encodings the runner also masks for every registered value (base64 at three byte offsets, escapes). */
export function runnerEncodings(v: string): string[] {
  const bytes = Buffer.from(v, "utf8");
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
  return [
    b64(bytes),
    b64(bytes.length > 1 ? bytes.subarray(1) : bytes),
    b64(bytes.length > 2 ? bytes.subarray(2) : bytes),
    v.replaceAll('"', '\\"'),
    v.replaceAll("'", "''"),
    JSON.stringify(v).slice(1, -1),
    encodeURIComponent(v).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase()),
    v.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!),
    v.length > 8 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : "",
  ].filter(Boolean);
}

class Masker {
  strings = new Set<string>();
  add(v: string) {
    if (!v) return;
    this.strings.add(v);
    for (const e of runnerEncodings(v)) this.strings.add(e);
  }
  /** What one ::add-mask:: registers: the whole value and each trimmed, non-blank line. Blank data is refused. */
  register(data: string): boolean {
    if (data.trim() === "") return false;
    this.add(data);
    for (const line of data.split(/[\r\n]/)) if (line.trim()) this.add(line.trim());
    return true;
  }
  /** Every occurrence of every string, overlapping ranges merged, each range replaced by ***. */
  mask(line: string): string {
    const spans: Array<[number, number]> = [];
    for (const s of this.strings) for (let i = line.indexOf(s); i >= 0; i = line.indexOf(s, i + 1)) spans.push([i, i + s.length]);
    spans.sort((a, b) => a[0] - b[0]);
    let out = "";
    let pos = 0;
    for (let k = 0; k < spans.length; ) {
      let [start, end] = spans[k++]!;
      while (k < spans.length && spans[k]![0] <= end) end = Math.max(end, spans[k++]![1]);
      out += line.slice(pos, start) + "***";
      pos = end;
    }
    return out + line.slice(pos);
  }
}

export interface ShownLine {
  stream: "stdout" | "stderr";
  text: string;
}

/**
 * What the job log would show. stdout is replayed in order. stderr is replayed with only the masks
 * that stderr itself registered: the runner reads the two pipes separately and writes a batch's
 * stderr lines before its stdout lines, so a mask printed on stdout is not guaranteed to be in force
 * for a later stderr line.
 */
export function replayLog({ stdout, stderr }: { stdout: string; stderr: string }): { shown: ShownLine[]; registered: string[] } {
  const shown: ShownLine[] = [];
  const registered: string[] = [];
  const play = (text: string, masker: Masker, stream: ShownLine["stream"]) => {
    let stopToken: string | null = null;
    for (const raw of readLines(text)) {
      if (stopToken !== null) {
        // after ::stop-commands::TOKEN nothing is a command until ::TOKEN::
        if (parseCommand(raw, stopToken)?.name === stopToken.toLowerCase()) stopToken = null;
        else shown.push({ stream, text: masker.mask(raw) });
        continue;
      }
      const cmd = parseCommand(raw);
      if (cmd?.name === "add-mask") {
        if (masker.register(cmd.data)) registered.push(cmd.data);
        continue;
      }
      if (cmd?.name === "stop-commands") {
        stopToken = cmd.data;
        continue;
      }
      shown.push({ stream, text: masker.mask(raw) });
    }
  };
  play(stdout, new Masker(), "stdout");
  play(stderr, new Masker(), "stderr");
  return { shown, registered };
}

// ---- leak detection ------------------------------------------------------------------------------

/** Base64 text found in the base64 of (anything + v + anything), for each of the three byte alignments. */
function base64Cores(v: string, alphabet: "base64" | "base64url"): string[] {
  const bytes = Buffer.from(v, "utf8");
  const cores: string[] = [];
  for (let s = 0; s < 3; s++) {
    const n = Math.floor((bytes.length - s) / 3) * 3;
    if (n >= 6) cores.push(Buffer.from(bytes.subarray(s, s + n)).toString(alphabet));
  }
  return cores;
}

/** Forms of a secret that must appear nowhere: the value, each line, JSON-escaped, URL-encoded, base64 and base64url. */
export function forbiddenForms(v: string, minLength = 4): string[] {
  const forms = [
    v,
    ...v.split(/\r\n|\r|\n/).map((l) => l.trim()),
    JSON.stringify(v).slice(1, -1),
    encodeURIComponent(v),
    ...base64Cores(v, "base64"),
    ...base64Cores(v, "base64url"),
  ];
  return [...new Set(forms)].filter((f) => f.length >= minLength);
}

export interface Leak {
  name: string;
  where: string;
}

/** [{ name, where }] for each secret that has a forbidden form in one of the texts; never the value itself. */
export function findLeaks(secrets: Record<string, string>, texts: Record<string, string>, minLength = 4): Leak[] {
  const leaks: Leak[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    const forms = forbiddenForms(value, minLength);
    for (const [where, text] of Object.entries(texts)) if (forms.some((f) => text.includes(f))) leaks.push({ name, where });
  }
  return leaks;
}

/** Names of secrets not registered as the project requires: a single-line value whole; a multi-line value line by line. */
export function missingMasks(secrets: Record<string, string>, registered: string[], minLength = 4): string[] {
  const have = new Set(registered);
  return Object.entries(secrets)
    .filter(([, v]) => {
      const lines = v.split(/\r\n|\r|\n/).map((l) => l.trim()).filter(Boolean);
      return lines.length <= 1 ? !have.has(v) && !have.has(v.trim()) : lines.some((l) => l.length >= minLength && !have.has(l));
    })
    .map(([name]) => name);
}

export interface Inspection {
  leaks: Leak[];
  missingMasks: string[];
  registered: string[];
  log: ShownLine[];
  env: Parsed;
  outputs: Parsed;
  state: Parsed;
  summary: string;
}

/**
 * Everything a test asserts on, for one stage. `notInSummary`: names of secrets whose value may
 * legitimately appear in the summary (a value equal to a secret's name: the summary lists names).
 */
export function inspectStage(step: Step, result: StageResult, secrets: Record<string, string>, { minLength = 4, notInSummary = [] as string[] } = {}): Inspection {
  const { shown, registered } = replayLog(result);
  const read = (k: FileCommand) => readFileSync(step.files[k], "utf8");
  const withoutMaskCommands = readLines(result.stdout)
    .filter((l) => parseCommand(l)?.name !== "add-mask")
    .join("\n");
  const texts = {
    "job log (replayed)": shown.map((l) => l.text).join("\n"),
    "stdout (raw)": withoutMaskCommands,
    "stderr (raw)": result.stderr,
    GITHUB_STEP_SUMMARY: read("GITHUB_STEP_SUMMARY"),
    GITHUB_STATE: read("GITHUB_STATE"),
    GITHUB_PATH: read("GITHUB_PATH"),
  };
  const summarySecrets = Object.fromEntries(Object.entries(secrets).filter(([n]) => !notInSummary.includes(n)));
  const { GITHUB_STEP_SUMMARY: summary, ...others } = texts;
  return {
    leaks: [...findLeaks(secrets, others, minLength), ...findLeaks(summarySecrets, { GITHUB_STEP_SUMMARY: summary }, minLength)],
    missingMasks: missingMasks(secrets, registered, minLength),
    registered,
    log: shown,
    env: parseFileCommands(read("GITHUB_ENV")),
    outputs: parseFileCommands(read("GITHUB_OUTPUT")),
    state: parseFileCommands(read("GITHUB_STATE")),
    summary,
  };
}
