import path from "node:path";
import type { LoadedConfig } from "../policy/load.js";
import { shortRecipient } from "../policy/recipient.js";
import type { Recipients } from "../sops/document.js";
import type { DiffResult } from "./diff.js";
import type { SecretFileState } from "./inventory.js";
import type { Namer } from "./recipients.js";
import { uncoveredReasonText } from "../sops/coverage.js";
import type { VerifyReport } from "./verify.js";
import { safeText } from "../util/safe-text.js";

/**
 * Rendering the access reports (text, tables, Markdown, JSON shapes). Everything shown is a file
 * name, a rule, a recipient or a recipient's name: reports are built from metadata only, and never
 * see a value.
 */

function plural(n: number, word: string): string {
  // Thousands separators by hand: toLocaleString loads Intl data (~20 ms) for one comma.
  return `${String(n).replace(/\B(?=(\d{3})+$)/g, ",")} ${word}${n === 1 ? "" : "s"}`;
}

/** A table with a header, columns padded to their widest cell. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

/**
 * Text for a Markdown table cell. Names come from the repository (YAML anchors, file paths), so HTML
 * is escaped too: an anchor like `eve<!--` would otherwise hide every later row of a PR comment.
 */
export function mdCell(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/\r?\n/g, " ");
}

/** A code span; `|` escaped because these sit in table rows (GitHub honours `\|` inside them). */
export function mdCode(s: string): string {
  return "`" + s.replace(/`/g, "'").replace(/\|/g, "\\|").replace(/\r?\n/g, " ") + "`";
}

// ---------------------------------------------------------------------------------------------
// verify

function uncoveredCount(n: number): string {
  return `${plural(n, "entry").replace(/entrys$/, "entries")} not covered by the MAC`;
}

export function renderVerifyText(report: VerifyReport, failed: boolean, strict: boolean): string {
  const out: string[] = [];
  const configName = path.basename(report.config);
  for (const c of report.configErrors) out.push(`${configName}${c.line ? `:${c.line}` : ""}: error: ${c.at}: ${safeText(c.message)}`);
  for (const p of report.problems) out.push(`${safeText(p.file)}: ${safeText(p.message)}`);
  for (const w of report.warnings) out.push(`${configName}${w.line ? `:${w.line}` : ""}: ${strict ? "error" : "warning"}: ${w.at}: ${w.message}`);
  for (const u of report.uncovered) {
    const where = u.document > 0 ? `document ${u.document + 1}: ${u.path}` : u.path;
    out.push(`${safeText(u.file)}: ${strict ? "error" : "warning"}: ${where} is not covered by the MAC (${uncoveredReasonText(u.reason)}): anyone who can write the file can add it without a key; run and export refuse it`);
  }
  const mac = report.macChecked ? `MACs checked on ${plural(report.macChecked, "file")}` : "MACs not checked (no key for any file)";
  if (failed) {
    const counts = [
      report.configErrors.length ? plural(report.configErrors.length, "config error") : "",
      report.problems.length ? plural(report.problems.length, "problem") : "",
      strict && report.warnings.length ? plural(report.warnings.length, "policy warning") : "",
      strict && report.uncovered.length ? uncoveredCount(report.uncovered.length) : "",
    ].filter(Boolean).join(" and ");
    out.push(`verify: FAILED: ${counts} in ${plural(report.files, "secret file")}; ${mac}`);
  } else {
    const uncovered = report.uncovered.length ? `; ${uncoveredCount(report.uncovered.length)}` : "";
    const warn = (report.warnings.length ? `; ${plural(report.warnings.length, "policy warning")}` : "") + uncovered;
    out.push(`verify: ok: ${plural(report.files, "secret file")} encrypted to their rules' recipients; ${mac}${warn}`);
  }
  return out.join("\n") + "\n";
}

export function verifyJson(report: VerifyReport, failed: boolean): unknown {
  return {
    ok: !failed,
    config: report.config,
    files: report.files,
    macChecked: report.macChecked,
    problems: report.problems,
    configErrors: report.configErrors,
    warnings: report.warnings,
    uncovered: report.uncovered,
    empty: report.empty,
  };
}

// ---------------------------------------------------------------------------------------------
// access list

/** `alice, bob` for one group; `[alice, bob] [carol] (2 of 2)` for Shamir groups. */
function groupsLabel(r: Recipients | undefined, namer: Namer): string {
  if (!r) return "-";
  const groups = r.groups.filter((g) => g.length > 0);
  if (groups.length <= 1) return groups[0] ? namer.labels(groups[0]).join(", ") : "-";
  const threshold = r.shamirThreshold || groups.length;
  return `${groups.map((g) => `[${namer.labels(g).join(", ")}]`).join(" ")} (${threshold} of ${groups.length})`;
}

const STATUS_TEXT: Record<SecretFileState["status"], string> = {
  ok: "ok",
  drift: "DRIFT",
  plaintext: "NOT ENCRYPTED",
  empty: "empty",
  malformed: "MALFORMED",
};

export function renderAccessTable(states: readonly SecretFileState[], namer: Namer): string {
  if (!states.length) return "no secret files\n";
  const rows = states.map((s) => [safeText(s.file), `#${s.rule}`, groupsLabel(s.actual, namer), groupsLabel(s.expected, namer), STATUS_TEXT[s.status]]);
  return renderTable(["FILE", "RULE", "CAN READ (file)", "SHOULD READ (policy)", "STATUS"], rows);
}

function namedList(r: Recipients | undefined, namer: Namer) {
  if (!r) return null;
  return r.groups.flatMap((g, group) => g.map((recipient) => ({ ...namer.named(recipient), group })));
}

export function accessListJson(config: LoadedConfig, states: readonly SecretFileState[], namer: Namer): unknown {
  return {
    config: config.path,
    files: states.map((s) => ({
      file: s.file,
      rule: s.rule,
      status: s.status,
      readers: namedList(s.actual, namer),
      shamirThreshold: s.actual ? s.actual.shamirThreshold || 0 : null,
      expected: namedList(s.expected, namer),
      expectedShamirThreshold: s.expected.shamirThreshold || 0,
      ...(s.problem ? { problem: s.problem } : {}),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// policy diff

const SOURCE_TEXT = { policy: "policy only (files not re-encrypted yet)", file: "file only (no policy change)", both: "policy and file" } as const;

export function diffJson(result: DiffResult): unknown {
  return {
    base: result.base,
    head: result.head,
    policyChanged: result.policyChanged,
    changes: result.changes.map((c) => ({ file: c.file, name: c.name, recipient: c.recipient, change: c.change, source: c.source })),
    warnings: result.warnings,
  };
}

/** A Markdown report fit for a pull-request comment. */
export function renderDiffMarkdown(result: DiffResult): string {
  const base = mdCode(result.base.rev);
  const head = result.head ? mdCode(result.head.rev) : "the work tree";
  const out: string[] = [`### Secret access changes: ${base} → ${head}`, ""];
  if (!result.changes.length) {
    out.push(`No one gains or loses read access to any secret file.${result.policyChanged ? " (`.sops.yaml` changed, but not who can read what.)" : ""}`);
  } else {
    const gained = result.changes.filter((c) => c.change === "gained").length;
    const lost = result.changes.length - gained;
    const fileOnly = result.changes.filter((c) => c.source === "file");
    out.push(`${gained} gained, ${lost} lost${result.policyChanged ? "" : " — `.sops.yaml` is unchanged"}.`, "");
    if (fileOnly.length) {
      out.push(`> **Warning:** ${fileOnly.length} change${fileOnly.length === 1 ? " is" : "s are"} in encrypted files without a matching change of \`.sops.yaml\`.`, "");
    }
    out.push("| File | Who | Recipient | Change | Seen in |", "|---|---|---|---|---|");
    for (const c of result.changes) {
      const who = c.name ? mdCell(c.name) : "_(unnamed)_";
      const change = c.change === "gained" ? "**gained**" : "lost";
      out.push(`| ${mdCode(c.file)} | ${who} | ${mdCode(shortRecipient(c.recipient))} | ${change} | ${SOURCE_TEXT[c.source]} |`);
    }
  }
  if (result.warnings.length) {
    out.push("", "Files whose metadata could not be read:");
    for (const w of result.warnings) out.push(`- ${mdCode(w.file)} at ${w.side}: ${mdCell(w.message)}`);
  }
  return out.join("\n") + "\n";
}
