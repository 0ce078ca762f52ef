import { leasesMarkdown, type IssuedDynamic } from "./dynamic.js";
import { counted, joinSafe, safe, shownCommit, shownLabel, shownName, shownPath, shownRecipient, type SafeText } from "./safe-text.js";

/**
 * The audit of a decrypt run: which secrets (names), from which files, at which commit, encrypted to
 * which recipients and opened with which one. Never a value. Rendered twice: Markdown for the job
 * summary (only checked text), and one JSON line for the `audit-json` output.
 */

export interface AuditFile {
  /** Workspace-relative path. */
  file: string;
  /** Every age recipient the file is encrypted to, with its `.sops.yaml` anchor name when it has one. */
  encryptedTo: Array<{ recipient: string; name?: string }>;
  /** The recipients whose entries the age-key opened. */
  openedWith: string[];
  /** Names exported from this file, in file order. */
  secrets: string[];
}

export interface Audit {
  commit: string | undefined;
  ref: string | undefined;
  repository: string | undefined;
  workflow: string | undefined;
  runId: string | undefined;
  files: AuditFile[];
  /** Files a rule covers that are not SOPS-encrypted (skipped). */
  skipped: string[];
  exportedToEnv: boolean;
  dotenvFile: boolean;
  /** Dynamic credentials minted (the `dynamic` input): paths, names, TTLs; no value, no lease id. */
  dynamic: IssuedDynamic[];
}

export function auditJson(a: Audit): string {
  return JSON.stringify({
    version: 1,
    mode: "decrypt",
    repository: a.repository ?? null,
    commit: a.commit ?? null,
    ref: a.ref ?? null,
    workflow: a.workflow ?? null,
    runId: a.runId ?? null,
    exportedToEnv: a.exportedToEnv,
    dotenvFile: a.dotenvFile,
    files: a.files,
    skipped: a.skipped,
    dynamic: a.dynamic,
    secretCount: a.files.reduce((n, f) => n + f.secrets.length, 0) + a.dynamic.reduce((n, d) => n + d.names.length, 0),
  });
}

/** Beyond this many names the summary stops listing them (the job summary is limited to 1 MiB). */
const MAX_NAMES_SHOWN = 1000;

function recipientCell(r: { recipient: string; name?: string }): SafeText {
  const label = shownLabel(r.name);
  return label ? safe`${label} (\`${shownRecipient(r.recipient)}\`)` : safe`\`${shownRecipient(r.recipient)}\``;
}

export function auditMarkdown(a: Audit): SafeText {
  const total = a.files.reduce((n, f) => n + f.secrets.length, 0);
  const lines: SafeText[] = [];
  lines.push(safe`### gitops-secrets: decrypted ${counted(total, safe`secret`, safe`secrets`)} from ${counted(a.files.length, safe`file`, safe`files`)}`);
  lines.push(safe``);
  lines.push(safe`Commit \`${shownCommit(a.commit)}\`. No value is shown here or anywhere in the log.`);
  lines.push(safe``);
  lines.push(safe`| File | Secrets | Encrypted to | Opened with |`);
  lines.push(safe`| --- | ---: | --- | --- |`);
  for (const f of a.files) {
    const names = new Map(f.encryptedTo.map((r) => [r.recipient, r.name] as const));
    const to = joinSafe(f.encryptedTo.map(recipientCell), safe`<br>`);
    const opened = joinSafe(f.openedWith.map((r) => recipientCell(names.has(r) ? { recipient: r, name: names.get(r)! } : { recipient: r })), safe`<br>`);
    lines.push(safe`| \`${shownPath(f.file)}\` | ${f.secrets.length} | ${to} | ${opened} |`);
  }
  if (a.skipped.length) {
    lines.push(safe``);
    lines.push(safe`Skipped ${counted(a.skipped.length, safe`file that a .sops.yaml rule covers but that is`, safe`files that a .sops.yaml rule covers but that are`)} not SOPS-encrypted.`);
  }
  lines.push(safe``);
  lines.push(safe`<details><summary>Names (${total})</summary>`);
  lines.push(safe``);
  lines.push(safe`| Name | File |`);
  lines.push(safe`| --- | --- |`);
  let shown = 0;
  for (const f of a.files) {
    for (const n of f.secrets) {
      if (shown++ >= MAX_NAMES_SHOWN) break;
      lines.push(safe`| \`${shownName(n)}\` | \`${shownPath(f.file)}\` |`);
    }
  }
  if (total > MAX_NAMES_SHOWN) lines.push(safe`| … ${total - MAX_NAMES_SHOWN} more in the audit-json output | |`);
  lines.push(safe``);
  lines.push(safe`</details>`);
  lines.push(...leasesMarkdown(a.dynamic));
  lines.push(safe``);
  return joinSafe(lines, safe`\n`);
}
