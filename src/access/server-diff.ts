/**
 * `policy diff` for the server (`secrets serve`): what a change of its policies
 * (`.secrets/policies/*.hcl`), its tokens (`.secrets/tokens.yaml`) or its auth roles
 * (`.secrets/auth/<mount>/roles/*.yaml`) grants or takes away, per token and per role, as Vault
 * paths × capabilities (server-grants.ts says how grants are computed), and which roles changed
 * who may log in to them.
 *
 * Only what changed is read: when git reports no change of those files between the two sides,
 * nothing is parsed. Files are read from the commits (one `git cat-file --batch` per side) or,
 * for the head side `null`, from the work tree. A file that does not parse at one side is a
 * warning (value-free: these files hold no secret) and grants nothing there.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { parsePolicy, policyOfFile, type Policy } from "../auth/policy/index.js";
import { parseTokenFile, REPOSITORY_TOKEN_FILE } from "../auth/tokens/repository-file.js";
import { isSecretsError, SecretsError } from "../errors.js";
import { changedFiles, treeFiles, workTreeFiles } from "../git/files.js";
import { readBlobs } from "../git/history.js";
import type { Repo } from "../git/repo.js";
import { parseWith } from "../util/zod-error.js";
import { bindingKey, compareGrants, grantsOf, roleSubject, ROLE_FILE, RoleGrantFields, tokenSubjects, type GrantChange, type RoleBinding, type RoleGrantInput, type ServerSubject, type SubjectKind } from "./server-grants.js";

/** The folder, relative to the top, that holds the server's configuration. */
const SERVER_FOLDER = ".secrets";

export type DiffSide = "base" | "head";

export interface ServerDiffInput {
  /** The work tree's top level (the server's files are at the top, whatever folder `.sops.yaml` is in). */
  top: string;
  baseCommit: string;
  /** null: the work tree. */
  headCommit: string | null;
  /**
   * Reads a role file's text into the fields that matter here. Default: YAML, checked by
   * RoleGrantFields; the auth method's own parser can be passed instead.
   */
  parseRole?: (text: string, file: string) => RoleGrantInput;
}

export interface ServerAccessChange extends GrantChange {
  readonly subject: { readonly kind: SubjectKind; readonly name: string };
}

/** A role whose login conditions differ: null before (a new role) or after (a removed one). */
export interface RoleBindingChange {
  readonly role: string;
  readonly before: RoleBinding | null;
  readonly after: RoleBinding | null;
}

export interface ServerDiffResult {
  /** Whether any of the server's policy, token or role files differs between the sides. */
  changed: boolean;
  changes: ServerAccessChange[];
  bindings: RoleBindingChange[];
  warnings: Array<{ file: string; side: DiffSide; message: string }>;
}

/** Whether a top-relative path is one of the files compared here. */
export function isServerAccessFile(file: string): boolean {
  return file === REPOSITORY_TOKEN_FILE || policyOfFile(file) !== undefined || ROLE_FILE.test(file);
}

/** The default role reader: YAML, then the fields that decide grants and bindings. */
export function parseRoleYaml(text: string, file: string): RoleGrantInput {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    throw new SecretsError("config", `${file} is not valid YAML`);
  }
  return parseWith(RoleGrantFields, raw ?? {}, ([issue]) => new SecretsError("config", `${file}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
}

interface Side {
  subjects: Map<string, ServerSubject>;
  policies: Map<string, Policy>;
}

export async function serverAccessDiff(input: ServerDiffInput): Promise<ServerDiffResult> {
  const repo: Repo = { top: input.top };
  const changed = [...(await changedFiles(repo, input.baseCommit, input.headCommit, SERVER_FOLDER))].filter(isServerAccessFile);
  const result: ServerDiffResult = { changed: changed.length > 0, changes: [], bindings: [], warnings: [] };
  if (!result.changed) return result;
  const warn = (file: string, side: DiffSide, e: unknown): void => {
    if (!isSecretsError(e)) throw e;
    result.warnings.push({ file, side, message: e.message });
  };
  const parseRole = input.parseRole ?? parseRoleYaml;
  const [base, head] = await Promise.all([
    readSide(repo, input.baseCommit).then((files) => parseSide(files, "base", parseRole, warn)),
    readSide(repo, input.headCommit).then((files) => parseSide(files, "head", parseRole, warn)),
  ]);
  const keys = [...new Set([...base.subjects.keys(), ...head.subjects.keys()])].sort();
  for (const key of keys) {
    const before = base.subjects.get(key);
    const after = head.subjects.get(key);
    const subject = (after ?? before)!;
    const grants = compareGrants(before ? grantsOf(before, base.policies) : new Map(), after ? grantsOf(after, head.policies) : new Map());
    for (const g of grants) result.changes.push({ subject: { kind: subject.kind, name: subject.name }, ...g });
    if (subject.kind === "role" && (!before || !after || bindingKey(before.binding) !== bindingKey(after.binding))) {
      result.bindings.push({ role: subject.name, before: before?.binding ?? null, after: after?.binding ?? null });
    }
  }
  result.warnings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.side < b.side ? -1 : 1));
  return result;
}

/** The text of every compared file at a commit, or in the work tree (null). */
async function readSide(repo: Repo, commit: string | null): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (commit) {
    const entries = (await treeFiles(repo, commit, SERVER_FOLDER)).filter((e) => isServerAccessFile(e.path));
    const blobs = await readBlobs(repo, entries.map((e) => e.oid));
    for (const e of entries) {
      const bytes = blobs.get(e.oid);
      if (bytes) out.set(e.path, bytes.toString("utf8"));
    }
    return out;
  }
  const dir = path.join(repo.top, SERVER_FOLDER);
  const present = await fsp.stat(dir).then((s) => s.isDirectory(), () => false);
  if (!present) return out;
  for (const rel of await workTreeFiles(dir)) {
    const file = `${SERVER_FOLDER}/${rel}`;
    if (!isServerAccessFile(file)) continue;
    const text = await fsp.readFile(path.join(repo.top, ...file.split("/")), "utf8").catch(() => null);
    if (text !== null) out.set(file, text);
  }
  return out;
}

async function parseSide(files: ReadonlyMap<string, string>, side: DiffSide, parseRole: (text: string, file: string) => RoleGrantInput, warn: (file: string, side: DiffSide, e: unknown) => void): Promise<Side> {
  const out: Side = { subjects: new Map(), policies: new Map() };
  const add = (s: ServerSubject): void => void out.subjects.set(`${s.kind}\0${s.name}`, s);
  for (const [file, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    try {
      const policy = policyOfFile(file);
      if (policy !== undefined) {
        out.policies.set(policy, await parsePolicy(policy, text));
      } else if (file === REPOSITORY_TOKEN_FILE) {
        for (const s of tokenSubjects(parseTokenFile(text, file))) add(s);
      } else {
        const m = ROLE_FILE.exec(file);
        if (m) add(roleSubject(m[1]!, m[2]!, parseRole(text, file)));
      }
    } catch (e) {
      warn(file, side, e);
    }
  }
  return out;
}
