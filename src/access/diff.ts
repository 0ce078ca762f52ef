import fs from "node:fs";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { formatForPath } from "../files/format.js";
import { catFileBatch } from "../git/exec.js";
import { changedFiles, treeFiles, workTreeFiles } from "../git/files.js";
import { readBlobs } from "../git/history.js";
import { resolveCommit, workTreeTop, type Repo } from "../git/repo.js";
import { parseConfig, type LoadedConfig } from "../policy/load.js";
import { mapLimit } from "./inventory.js";
import { readMetadata } from "./metadata.js";
import { Namer } from "./recipients.js";
import { isPolicyFile, RuleBook } from "./rules.js";

/**
 * `policy diff`: who gains and who loses read access to which files between two revisions.
 *
 * Two views are compared and merged:
 * - the policy: the recipients each file's rule names, from the `.sops.yaml` of each revision;
 * - the files: the recipients in each file's own metadata, so that a file re-encrypted by hand, with
 *   no policy change, shows too (that is the change a reviewer most needs to see).
 *
 * Only what differs is read: file lists come from `git ls-tree` (or the work tree), contents only for
 * files git reports as changed, all of them through one `git cat-file --batch`. A file that exists
 * only at BASE is not reported (deleting a file takes no access away: its history keeps it); a file
 * that exists only at HEAD gives its readers a gain.
 */

export type ChangeKind = "gained" | "lost";
export type ChangeSource = "policy" | "file" | "both";

export interface AccessChange {
  file: string;
  name: string | null;
  recipient: string;
  change: ChangeKind;
  /** Where the change shows: the policy, the encrypted file, or both. */
  source: ChangeSource;
}

export interface DiffResult {
  base: { rev: string; commit: string };
  /** null: the work tree. */
  head: { rev: string; commit: string } | null;
  policyChanged: boolean;
  changes: AccessChange[];
  /** Files whose metadata could not be read at one side (value-free reasons). */
  warnings: Array<{ file: string; side: "base" | "head"; message: string }>;
}

interface Side {
  config: LoadedConfig | null;
  book: RuleBook | null;
  /** Files below the config directory (relative to it) → blob id, or null for work-tree files. */
  files: Map<string, string | null>;
}

function posix(p: string): string {
  return p.split(path.sep).join("/");
}

function loadSidePolicy(text: string | null, configPath: string, label: string): LoadedConfig | null {
  if (text === null) return null;
  try {
    return parseConfig(text, configPath);
  } catch (e) {
    if (e instanceof SecretsError) throw new SecretsError(e.kind, `at ${label}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Recipients the policy names for `file` at a side (flattened), or none when no rule covers it. */
function policyReaders(side: Side, file: string): Set<string> {
  if (!side.book || isPolicyFile(file) || !side.files.has(file)) return new Set();
  const expected = side.book.expected(file);
  return new Set(expected ? expected.recipients.groups.flat() : []);
}

export interface DiffInput {
  /** Absolute path of the current `.sops.yaml` (its place in the repository is used at both revisions). */
  configPath: string;
  base: string;
  /** A revision, or undefined for the work tree. */
  head?: string | undefined;
}

export async function accessDiff(input: DiffInput): Promise<DiffResult> {
  const configDir = path.dirname(input.configPath);
  const top = await workTreeTop(configDir);
  if (!top) throw new SecretsError("usage", "policy diff needs a git repository");
  const repo: Repo = { top };
  const prefix = posix(path.relative(top, configDir));
  const configRel = posix(path.relative(top, input.configPath));
  const toConfigRel = (topRel: string) => (prefix ? topRel.slice(prefix.length + 1) : topRel);
  const underPrefix = (topRel: string) => !prefix || topRel.startsWith(prefix + "/");

  const baseCommit = await resolveCommit(repo, input.base);
  const headCommit = input.head !== undefined ? await resolveCommit(repo, input.head) : null;

  // Policies and file lists of both sides.
  const policyNames = [`${baseCommit}:${configRel}`, ...(headCommit ? [`${headCommit}:${configRel}`] : [])];
  const [policies, baseTree, headTree] = await Promise.all([
    catFileBatch(policyNames, { cwd: top }),
    treeFiles(repo, baseCommit, prefix),
    headCommit ? treeFiles(repo, headCommit, prefix) : Promise.resolve(null),
  ]);
  const baseText = policies[0]?.toString("utf8") ?? null;
  let headText: string | null;
  if (headCommit) headText = policies[1]?.toString("utf8") ?? null;
  else headText = await fs.promises.readFile(input.configPath, "utf8").catch(() => null);

  const baseLabel = `${input.base} (${baseCommit.slice(0, 12)})`;
  const headLabel = headCommit ? `${input.head} (${headCommit.slice(0, 12)})` : "the work tree";
  const baseConfig = loadSidePolicy(baseText, input.configPath, baseLabel);
  const headConfig = loadSidePolicy(headText, input.configPath, headLabel);

  const base: Side = { config: baseConfig, book: baseConfig ? new RuleBook(baseConfig) : null, files: new Map() };
  for (const e of baseTree) if (underPrefix(e.path)) base.files.set(toConfigRel(e.path), e.oid);
  const head: Side = { config: headConfig, book: headConfig ? new RuleBook(headConfig) : null, files: new Map() };
  if (headTree) {
    for (const e of headTree) if (underPrefix(e.path)) head.files.set(toConfigRel(e.path), e.oid);
  } else {
    for (const f of await workTreeFiles(configDir)) head.files.set(f, null);
  }

  const found = new Map<string, { file: string; recipient: string; change: ChangeKind; policy: boolean; file_: boolean }>();
  const note = (file: string, recipient: string, change: ChangeKind, via: "policy" | "file") => {
    const k = `${file}\0${recipient}\0${change}`;
    let e = found.get(k);
    if (!e) found.set(k, (e = { file, recipient, change, policy: false, file_: false }));
    if (via === "policy") e.policy = true;
    else e.file_ = true;
  };

  // The policy view: every file at HEAD (files only at BASE are not reported).
  for (const file of head.files.keys()) {
    const before = policyReaders(base, file);
    const after = policyReaders(head, file);
    for (const r of after) if (!before.has(r)) note(file, r, "gained", "policy");
    for (const r of before) if (!after.has(r)) note(file, r, "lost", "policy");
  }

  // The file view: files git reports as changed, present at HEAD.
  const changed = [...(await changedFiles(repo, baseCommit, headCommit, prefix))]
    .filter(underPrefix)
    .map(toConfigRel)
    .filter((f) => head.files.has(f) && !isPolicyFile(f));
  const blobNames: string[] = [];
  for (const f of changed) {
    const b = base.files.get(f);
    if (b) blobNames.push(b);
    const h = head.files.get(f);
    if (h) blobNames.push(h);
  }
  const blobs = await readBlobs(repo, blobNames);
  const warnings: DiffResult["warnings"] = [];
  const readers = async (file: string, side: "base" | "head", oid: string | null | undefined): Promise<Set<string>> => {
    let bytes: Uint8Array | null | undefined;
    if (oid) bytes = blobs.get(oid);
    else if (side === "head" && !headCommit) bytes = await fs.promises.readFile(path.join(configDir, file)).catch(() => null);
    if (!bytes) return new Set();
    try {
      const read = await readMetadata(bytes, formatForPath(file));
      return read.kind === "encrypted" ? new Set(read.metadata.keyGroups.flatMap((g) => g.age.map((a) => a.recipient))) : new Set();
    } catch (e) {
      if (!(e instanceof SecretsError)) throw e;
      warnings.push({ file, side, message: e.message });
      return new Set();
    }
  };
  await mapLimit(changed, 32, async (file) => {
    const [before, after] = await Promise.all([readers(file, "base", base.files.get(file)), readers(file, "head", head.files.get(file))]);
    for (const r of after) if (!before.has(r)) note(file, r, "gained", "file");
    for (const r of before) if (!after.has(r)) note(file, r, "lost", "file");
  });

  const namer = new Namer(headConfig, baseConfig);
  const changes: AccessChange[] = [...found.values()]
    .map((e): AccessChange => ({
      file: e.file,
      name: namer.name(e.recipient),
      recipient: e.recipient,
      change: e.change,
      source: e.policy && e.file_ ? "both" : e.policy ? "policy" : "file",
    }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.change !== b.change ? (a.change === "lost" ? -1 : 1) : (a.name ?? a.recipient) < (b.name ?? b.recipient) ? -1 : 1));
  return {
    base: { rev: input.base, commit: baseCommit },
    head: headCommit ? { rev: input.head!, commit: headCommit } : null,
    policyChanged: baseText !== headText,
    changes,
    warnings: warnings.sort((a, b) => (a.file < b.file ? -1 : 1)),
  };
}
