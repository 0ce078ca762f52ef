import type { DiffResult } from "../../src/access/diff.js";
import { counted, joinSafe, safe, shownCommit, shownLabel, shownPath, shownShortRecipient, type SafeText } from "./safe-text.js";

/**
 * The Markdown of `policy-review`, for the job summary and the pull-request comment. It says what
 * `secrets policy diff` says, rendered from the diff result with checked text only: the head of a pull
 * request is written by its author, and a file or anchor name like `x<!--` could otherwise hide the
 * rows after it from the reviewer. Names that fail the checks show as a fixed stand-in.
 */

const SEEN_IN = {
  policy: safe`policy only (files not re-encrypted yet)`,
  file: safe`file only (no policy change)`,
  both: safe`policy and file`,
} as const;

export function reviewMarkdown(result: DiffResult, marker: SafeText): SafeText {
  const out: SafeText[] = [marker, safe`### Secret access changes`, safe``];
  const head = result.head ? shownCommit(result.head.commit) : safe`the work tree`;
  out.push(safe`Base \`${shownCommit(result.base.commit)}\` → head \`${head}\`.`, safe``);
  if (result.changes.length === 0) {
    out.push(result.policyChanged ? safe`No one gains or loses read access to any secret file. (.sops.yaml changed, but not who can read what.)` : safe`No one gains or loses read access to any secret file.`);
  } else {
    const gained = result.changes.filter((c) => c.change === "gained").length;
    const lost = result.changes.length - gained;
    out.push(safe`${gained} gained, ${lost} lost${result.policyChanged ? safe`` : safe` — .sops.yaml is unchanged`}.`, safe``);
    const fileOnly = result.changes.filter((c) => c.source === "file").length;
    if (fileOnly) {
      out.push(safe`> **Warning:** ${counted(fileOnly, safe`change is`, safe`changes are`)} in encrypted files without a matching change of .sops.yaml.`, safe``);
    }
    out.push(safe`| File | Who | Recipient | Change | Seen in |`, safe`| --- | --- | --- | --- | --- |`);
    for (const c of result.changes) {
      const who = c.name === null ? safe`_(unnamed)_` : (shownLabel(c.name) ?? safe`(a name with unusual characters)`);
      const change = c.change === "gained" ? safe`**gained**` : safe`lost`;
      out.push(safe`| \`${shownPath(c.file)}\` | ${who} | \`${shownShortRecipient(c.recipient)}\` | ${change} | ${SEEN_IN[c.source]} |`);
    }
  }
  if (result.warnings.length) {
    out.push(safe``, safe`Files whose metadata could not be read:`);
    for (const w of result.warnings) out.push(safe`- \`${shownPath(w.file)}\` at ${w.side === "base" ? safe`base` : safe`head`}`);
  }
  out.push(safe``);
  return joinSafe(out, safe`\n`);
}
