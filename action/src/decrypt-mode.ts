import * as core from "@actions/core";
import { resolve } from "node:path";
import { parseEncryptedFile, type ParsedFile } from "../../src/files/secret-file.js";
import { confinedPath } from "../../src/io/confine.js";
import type { LoadedConfig } from "../../src/policy/load.js";
import { uncoveredSecrets } from "../../src/secrets/entries.js";
import { isAtOrBelow, type UncoveredEntry, type UncoveredReason } from "../../src/sops/coverage.js";
import { openDocument } from "../../src/sops/document.js";
import { allAgeRecipients, parseMetadata } from "../../src/sops/metadata.js";
import type { PathSegment } from "../../src/sops/path.js";
import { isBranch, type Branch } from "../../src/sops/tree.js";
import { parseAgeKey, recordingKeySource } from "./age-key.js";
import { auditJson, auditMarkdown, type Audit, type AuditFile } from "./audit.js";
import { dynamicProblem, issueDynamic, openLeases, parseDynamicLine, type IssuedDynamic } from "./dynamic.js";
import { exportEnv, requireFileCommand, setOutputs, writeDotenv } from "./export.js";
import type { NamedValue } from "./file-commands.js";
import { ActionFailure, fileProblem } from "./failure.js";
import { configFor, displayPath, planFromPatterns, planFromPolicy, type PlannedFile } from "./files.js";
import type { Inputs } from "./inputs.js";
import { leavesOf, valueAt } from "./leaves.js";
import type { MaskRegistry } from "./masks.js";
import { ENV_NAME, nameForPath, reservedEnvName } from "./names.js";
import { say } from "./log.js";
import { counted, joinSafe, safe, shownName, shownPath, shownRecipient, type SafeText } from "./safe-text.js";
import { parseSelector, type Selector } from "./selectors.js";
import { requireLeasesFile, saveWrittenFiles } from "./state.js";
import { workingRoot } from "./workspace.js";

/**
 * Decrypt mode: open the chosen files with the age-key identities, register every exported value with
 * the runner's masker as soon as it exists, then hand the values on (step outputs; env vars and a .env
 * file on request) and write the audit. Nothing is printed before every value is registered.
 */

interface Secret extends NamedValue {
  /** Workspace-relative file it came from. */
  file: string;
  path: PathSegment[];
}

/** What to take from one file: everything, or the selectors naming it. */
interface FileWork extends PlannedFile {
  selectors: Selector[] | null;
}

function planSelectors(root: string, workspace: string, lines: Inputs["secrets"]): FileWork[] {
  const byFile = new Map<string, FileWork>();
  for (const l of lines) {
    const sel = parseSelector(l);
    const abs = resolve(root, sel.file);
    try {
      confinedPath(workspace, abs);
    } catch {
      throw new ActionFailure(safe`input secrets: line ${l.line} names a symbolic link that leads outside the workspace`);
    }
    let w = byFile.get(abs);
    if (!w) byFile.set(abs, (w = { abs, display: displayPath(workspace, abs), optional: false, selectors: [] }));
    w.selectors!.push(sel);
  }
  return [...byFile.values()];
}

/** Encrypted in sops' sense (as `filestatus`): metadata with a version and a MAC. */
function isEncrypted(p: ParsedFile): boolean {
  const m = p.stored.metadata as Record<string, unknown> | null;
  return !!m && typeof m === "object" && !!m.version && !!m.mac;
}

function recipientsOf(p: ParsedFile): string[] {
  try {
    return allAgeRecipients(parseMetadata(p.stored.metadata));
  } catch {
    return [];
  }
}

/** The values one file contributes, named. */
function pick(work: FileWork, branches: Branch[]): Secret[] {
  const out: Secret[] = [];
  const add = (path: PathSegment[], value: string, name: string | null) => {
    if (name === null) throw new ActionFailure(safe`a key in ${shownPath(work.display)} gives no usable name; select it with a name in the secrets input`);
    out.push({ name, value, file: work.display, path });
  };
  if (work.selectors === null) {
    for (const b of branches) for (const l of leavesOf(b)) add(l.path, l.value, nameForPath(l.path));
    return out;
  }
  for (const sel of work.selectors) {
    const node = valueAt(branches, sel.path);
    if (node === undefined) throw new ActionFailure(safe`input secrets: line ${sel.line}: ${shownPath(work.display)} has no value at that path`);
    const isTree = isBranch(node) || Array.isArray(node);
    for (const l of leavesOf(node, sel.path)) {
      const rest = l.path.slice(sel.path.length);
      // A named scalar gets the name itself; below a named map or list the rest of the path follows it.
      const name = sel.name === undefined ? nameForPath(l.path) : isTree ? nameForPath(rest, sel.name) : sel.name;
      add(l.path, l.value, name);
    }
  }
  return out;
}

const UNCOVERED_TEXT: Record<UncoveredReason, SafeText> = {
  "empty-string": safe`an empty string`,
  null: safe`a null`,
  "empty-map": safe`an empty map`,
  "empty-list": safe`an empty list`,
  unencrypted: safe`a value in clear`,
};

/**
 * Fails on the first picked value the file's MAC does not cover: anyone who can push to the file can
 * add one without a key (`GIT_SSL_NO_VERIFY: ""`). Failing, not skipping: a deploy that runs without
 * a value it was given is no safer than one that runs with it, and the log says which name to look at.
 * Metadata kept next to a value (`…_metadata_unencrypted`) is in clear by design and passes, as before.
 */
function refuseUncovered(work: FileWork, picked: readonly Secret[], parsed: ParsedFile): void {
  const rule = parseMetadata(parsed.stored.metadata).encryptionRule;
  const uncovered: UncoveredEntry[] = parsed.stored.branches.flatMap((b) => uncoveredSecrets(b, rule));
  for (const s of picked) {
    const hit = uncovered.find((e) => isAtOrBelow(e.path, s.path));
    if (hit) {
      throw new ActionFailure(
        safe`${shownPath(work.display)}: ${shownName(s.name)} is not covered by the file's MAC (${UNCOVERED_TEXT[hit.reason]}: anyone who can push to the file can add it without a key); remove it or give it a value, or set allow-unauthenticated: true`,
      );
    }
  }
}

/** Names must be valid, distinct (case-insensitively: step outputs are) and, when exported to env, allowed. */
function checkNames(secrets: Secret[], toEnv: boolean): Secret[] {
  const seen = new Map<string, Secret>();
  const unique: Secret[] = [];
  for (const s of secrets) {
    if (!ENV_NAME.test(s.name)) throw new ActionFailure(safe`a secret from ${shownPath(s.file)} has a name that is not [A-Za-z_][A-Za-z0-9_]*`);
    const key = s.name.toUpperCase();
    const prev = seen.get(key);
    if (prev) {
      // The same value selected twice under the same name is harmless; anything else is ambiguous.
      if (prev.name === s.name && prev.file === s.file && prev.path.join("\0") === s.path.join("\0")) continue;
      throw new ActionFailure(
        safe`two secrets would be named ${shownName(s.name)} (from ${shownPath(prev.file)} and ${shownPath(s.file)}); give them distinct names with the secrets input`,
      );
    }
    seen.set(key, s);
    if (toEnv && reservedEnvName(s.name)) {
      throw new ActionFailure(safe`the secret ${shownName(s.name)} cannot be exported to the environment: the name is reserved (PATH, NODE_OPTIONS, BASH_ENV, ENV, LD_*, GITHUB_*, RUNNER_*, ACTIONS_*)`);
    }
    if (toEnv && s.value.includes("\0")) throw new ActionFailure(safe`the secret ${shownName(s.name)} holds a NUL character and cannot be an environment variable`);
    unique.push(s);
  }
  return unique;
}

export async function decryptMode(inputs: Inputs, masks: MaskRegistry): Promise<void> {
  const toEnv = inputs["export-env"];
  const dotenvPath = inputs["dotenv-file"];
  requireFileCommand("GITHUB_OUTPUT");
  if (toEnv) requireFileCommand("GITHUB_ENV");
  if (inputs["age-key"].trim() === "") throw new ActionFailure(safe`input age-key is required in decrypt mode`);
  if (inputs.files.length && inputs.secrets.length) throw new ActionFailure(safe`set either files or secrets, not both (a secrets line without #PATH selects a whole file)`);
  const identities = parseAgeKey(inputs["age-key"]);
  // Checked before anything is decrypted or minted.
  const dynamicLines = inputs.dynamic.map(parseDynamicLine);

  const { workspace, root, secrets: policy } = workingRoot(inputs);

  let config: LoadedConfig | null | undefined;
  let work: FileWork[];
  if (inputs.secrets.length) work = planSelectors(root, workspace, inputs.secrets);
  else if (inputs.files.length) work = planFromPatterns(root, workspace, inputs.files).map((f) => ({ ...f, selectors: null }));
  // `dynamic` alone mints credentials only: no static file is exported unless asked for.
  else if (dynamicLines.length) work = [];
  else work = (await planFromPolicy(root, workspace, (config = await configFor(policy)))).map((f) => ({ ...f, selectors: null }));

  const secrets: Secret[] = [];
  const auditFiles: AuditFile[] = [];
  const skipped: string[] = [];
  for (const w of work) {
    let parsed: ParsedFile;
    try {
      parsed = await parseEncryptedFile(w.abs);
    } catch (e) {
      if (w.optional) {
        skipped.push(w.display);
        continue;
      }
      throw new ActionFailure(safe`cannot decrypt ${shownPath(w.display)}: ${fileProblem(e)}`);
    }
    if (!isEncrypted(parsed)) {
      if (w.optional) {
        skipped.push(w.display);
        continue;
      }
      throw new ActionFailure(safe`cannot decrypt ${shownPath(w.display)}: it is not a SOPS-encrypted file`);
    }
    const opened: string[] = [];
    let branches: Branch[];
    try {
      branches = (await openDocument(parsed.stored, recordingKeySource(identities, (r) => opened.push(r)))).branches;
    } catch (e) {
      const problem = fileProblem(e);
      const to = recipientsOf(parsed);
      if (to.length && (e as { kind?: string }).kind === "no-key") {
        throw new ActionFailure(safe`cannot decrypt ${shownPath(w.display)}: ${problem} (it is encrypted to ${joinSafe(to.map(shownRecipient), safe`, `)})`);
      }
      throw new ActionFailure(safe`cannot decrypt ${shownPath(w.display)}: ${problem}`);
    }
    const picked = pick(w, branches);
    if (!inputs["allow-unauthenticated"]) refuseUncovered(w, picked, parsed);
    // Registered before anything else can happen: from here on the runner masks these values.
    masks.addValues(picked.map((s) => s.value));
    secrets.push(...picked);
    auditFiles.push({ file: w.display, encryptedTo: recipientsOf(parsed).map((recipient) => ({ recipient })), openedWith: [...new Set(opened)], secrets: [] });
  }
  if (auditFiles.length === 0 && dynamicLines.length === 0) throw new ActionFailure(safe`no SOPS-encrypted file is covered by the .sops.yaml rules below the working directory`);

  // Dynamic credentials: each masked and its lease saved for the post step as soon as it exists.
  let issued: IssuedDynamic[] = [];
  const dynamicNames = new Set<string>();
  if (dynamicLines.length) {
    requireLeasesFile();
    let leases;
    try {
      leases = await openLeases(root, identities);
    } catch (e) {
      throw new ActionFailure(safe`input dynamic: cannot open the repository's engines (the working directory must be in a git checkout): ${dynamicProblem(e)}`);
    }
    try {
      const minted = await issueDynamic(dynamicLines, leases, masks);
      issued = minted.issued;
      for (const d of minted.secrets) {
        secrets.push({ name: d.name, value: d.value, file: d.source, path: [] });
        dynamicNames.add(d.name);
      }
    } finally {
      await leases.close();
    }
  }

  const unique = checkNames(secrets, toEnv || dotenvPath !== "");
  for (const s of unique) if (!dynamicNames.has(s.name)) auditFiles.find((f) => f.file === s.file)!.secrets.push(s.name);

  // The audit names recipients by their .sops.yaml anchors when the config can be read; without it
  // the recipients alone are listed, which is no reason to fail a deploy.
  if (config === undefined) {
    try {
      config = await configFor(policy);
    } catch {
      config = null;
    }
  }
  if (config) {
    for (const f of auditFiles) for (const r of f.encryptedTo) {
      const name = config.recipientNames.get(r.recipient);
      if (name !== undefined) r.name = name;
    }
  }

  if (dotenvPath !== "") {
    const target = resolve(root, dotenvPath);
    // Saved once the file exists (empty), so the post step removes it even if this step dies while
    // writing, and never removes a path that was there before.
    writeDotenv(target, unique, (p) => saveWrittenFiles([p]));
    core.setOutput("dotenv-file", target);
  }
  setOutputs(unique);
  if (toEnv) exportEnv(unique);

  const audit: Audit = {
    commit: process.env.GITHUB_SHA,
    ref: process.env.GITHUB_REF,
    repository: process.env.GITHUB_REPOSITORY,
    workflow: process.env.GITHUB_WORKFLOW,
    runId: process.env.GITHUB_RUN_ID,
    files: auditFiles,
    skipped,
    exportedToEnv: toEnv,
    dotenvFile: dotenvPath !== "",
    dynamic: issued,
  };
  core.setOutput("audit-json", auditJson(audit));
  core.setOutput("secret-count", String(unique.length));
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(auditMarkdown(audit), true).write();
  const fromFiles = unique.length - dynamicNames.size;
  const minted = issued.length ? safe` and minted ${counted(issued.length, safe`dynamic credential`, safe`dynamic credentials`)} (${counted(dynamicNames.size, safe`value`, safe`values`)}, revoked by the post step)` : safe``;
  say(safe`Decrypted ${counted(fromFiles, safe`secret`, safe`secrets`)} from ${counted(auditFiles.length, safe`file`, safe`files`)}${minted}${toEnv ? safe`, exported as step outputs and environment variables` : safe`, exported as step outputs`}${dotenvPath !== "" ? safe` and to dotenv-file` : safe``}. The job summary lists their names.`);
}
