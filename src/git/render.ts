import type { AuditReport, Reader } from "./audit.js";
import type { ChangeKind } from "./changes.js";
import type { FileDiff } from "./diff.js";
import type { FileLog } from "./log.js";
import { showValue } from "./values.js";

/**
 * Text, Markdown and JSON renderings of log, diff and audit. Values appear only where the data
 * carries them, which only happens when the user asked (`--values`).
 */

const short = (id: string) => id.slice(0, 8);
const day = (iso: string) => iso.replace("T", " ").slice(0, 16);

function table(rows: string[][]): string[] {
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- code points intended: a width counts what a terminal shows as one character, not UTF-16 units.
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? "")].length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ").trimEnd());
}

export function renderLogTable(log: FileLog): string {
  if (!log.secrets.length) return `${log.file}: no recorded changes\n`;
  const out: string[] = [];
  for (const s of log.secrets) {
    out.push(s.path);
    const rows = s.events.map((e) => {
      const r = ["  " + day(e.commit.date), short(e.commit.id), e.kind, e.commit.author, e.commit.subject];
      if (e.value !== undefined) r.push(e.value === null ? "(cannot decrypt)" : `= ${e.value}`);
      return r;
    });
    out.push(...table(rows));
  }
  return out.join("\n") + "\n";
}

export function renderLogJson(log: FileLog): string {
  const secrets = log.secrets.map((s) => ({
    path: s.path,
    events: s.events.map((e) => ({
      commit: e.commit.id,
      date: e.commit.date,
      author: e.commit.author,
      email: e.commit.email,
      message: e.commit.subject,
      change: e.kind,
      ...(e.value !== undefined ? { value: e.value } : {}),
    })),
  }));
  return JSON.stringify({ file: log.file, secrets }, null, 2) + "\n";
}

const sign: Record<ChangeKind, string> = { added: "+", changed: "~", removed: "-", "re-encrypted": "*" };

export function renderDiffText(diffs: FileDiff[], opts: { values?: boolean; names?: ReadonlyMap<string, string> } = {}): string {
  const out: string[] = [];
  const who = (r: string) => (opts.names?.get(r) ? `${r} (${opts.names.get(r)})` : r);
  for (const d of diffs) {
    out.push(`${d.file}${d.status !== "modified" ? ` (${d.status})` : ""}${d.byPlaintext ? "" : " (not decrypted: compared by ciphertext)"}`);
    for (const c of d.changes) {
      let line = `  ${sign[c.kind]} ${c.path}`;
      if (c.kind === "re-encrypted") line += " (re-encrypted under a new data key; value not compared)";
      if (opts.values && d.byPlaintext) {
        if (c.kind === "changed") line += `: ${showValue(c.before)} -> ${showValue(c.after)}`;
        else if (c.kind === "added") line += `: ${showValue(c.after)}`;
        else if (c.kind === "removed") line += `: ${showValue(c.before)}`;
      }
      out.push(line);
    }
    for (const r of d.recipientsAdded) out.push(`  recipient added: ${who(r)}`);
    for (const r of d.recipientsRemoved) out.push(`  recipient removed: ${who(r)}`);
    if (d.rekeyed && d.status === "modified") out.push("  data key rotated");
  }
  return out.length ? out.join("\n") + "\n" : "";
}

export function renderDiffJson(diffs: FileDiff[], opts: { values?: boolean } = {}): string {
  const files = diffs.map((d) => ({
    file: d.file,
    status: d.status,
    decrypted: d.byPlaintext,
    dataKeyRotated: d.rekeyed,
    recipientsAdded: d.recipientsAdded,
    recipientsRemoved: d.recipientsRemoved,
    changes: d.changes.map((c) => ({
      path: c.path,
      change: c.kind,
      ...(opts.values && d.byPlaintext ? { before: c.before === undefined ? undefined : showValue(c.before), after: c.after === undefined ? undefined : showValue(c.after) } : {}),
    })),
  }));
  return JSON.stringify({ files }, null, 2) + "\n";
}

const readerText = (r: Reader) => r.name ?? shortRecipient(r.recipient);
const readersText = (rs: Reader[]) => (rs.length ? rs.map(readerText).join(", ") : "(nobody)");

function shortRecipient(r: string): string {
  return r.length > 24 ? `${r.slice(0, 12)}…${r.slice(-6)}` : r;
}

function md(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function renderAuditMarkdown(report: AuditReport): string {
  const out: string[] = ["# Secrets audit", ""];
  out.push(`History up to ${report.head ? `commit ${short(report.head)}` : "(no commits)"}${report.since ? `, changes since ${report.since}` : ""}.`);
  out.push("Readers are the age recipients each version of a file was encrypted to, by their `.sops.yaml` name where it has one.", "");
  if (!report.files.length) out.push("No secrets files found.", "");
  for (const f of report.files) {
    out.push(`## ${f.file}`, "", "### Who could read it", "");
    out.push("| date | commit | author | readers | change | policy (.sops.yaml) |", "|---|---|---|---|---|---|");
    for (const a of f.access) {
      const change = [
        a.added.length ? `+ ${a.added.map(readerText).join(", ")}` : "",
        a.removed.length ? `− ${a.removed.map(readerText).join(", ")}` : "",
        a.rotated ? "data key rotated" : "",
      ].filter(Boolean).join("; ");
      const policy = a.policy === null ? "(no rule)" : sameReaders(a.policy, a.readers) ? "matches" : `differs: ${readersText(a.policy)}`;
      out.push(`| ${day(a.commit.date)} | ${short(a.commit.id)} | ${md(a.commit.author)} | ${md(readersText(a.readers))} | ${md(change || "—")} | ${md(policy)} |`);
    }
    out.push("", "### Secrets", "");
    out.push("| secret | changes (date, author, change) | could have read the current value |", "|---|---|---|");
    for (const s of f.secrets) {
      const events = s.events.map((e) => `${day(e.commit.date)} ${md(e.commit.author)} ${e.kind} (${short(e.commit.id)}; readers: ${md(readersText(e.readers))})`).join("<br>");
      out.push(`| \`${md(s.path)}\` | ${events} | ${s.exposedTo ? md(readersText(s.exposedTo)) : "(removed)"} |`);
    }
    out.push("");
  }
  return out.join("\n");
}

function sameReaders(a: Reader[], b: Reader[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => y.recipient === x.recipient));
}

export function renderAuditJson(report: AuditReport): string {
  const commit = (c: { id: string; date: string; author: string; email: string; subject: string }) => ({ commit: c.id, date: c.date, author: c.author, email: c.email, message: c.subject });
  return (
    JSON.stringify(
      {
        head: report.head,
        since: report.since ?? null,
        files: report.files.map((f) => ({
          file: f.file,
          access: f.access.map((a) => ({ ...commit(a.commit), readers: a.readers, added: a.added, removed: a.removed, dataKeyRotated: a.rotated, policy: a.policy })),
          secrets: f.secrets.map((s) => ({
            path: s.path,
            couldHaveReadCurrentValue: s.exposedTo,
            events: s.events.map((e) => ({ ...commit(e.commit), change: e.kind, readers: e.readers })),
          })),
        })),
      },
      null,
      2,
    ) + "\n"
  );
}
