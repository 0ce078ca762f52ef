/**
 * Rendering `policy diff`'s server part (server-diff.ts) as JSON and as a Markdown section that
 * follows the file table, in its style. Apart from report.ts so that the Action, which renders
 * the file table only, does not bundle the policy parser this section's inputs come from.
 * Everything shown is a token or role name, a Vault path, a capability, a policy name or a role's
 * bindings: configuration, never a value.
 */
import type { DiffResult } from "./diff.js";
import { mdCell, mdCode } from "./report.js";
import type { ServerDiffResult } from "./server-diff.js";
import { bindingKey, type RoleBinding } from "./server-grants.js";

export function serverDiffJson(result: ServerDiffResult): unknown {
  return {
    changed: result.changed,
    changes: result.changes.map((c) => ({ subject: c.subject, path: c.path, capabilities: c.capabilities, change: c.change, policies: c.policies })),
    bindings: result.bindings,
    warnings: result.warnings,
  };
}

function bindingText(b: RoleBinding | null): string {
  if (b === null) return "none (no such role)";
  const parts = [
    ...(b.bound_subject !== undefined ? [`bound_subject ${mdCode(b.bound_subject)}`] : []),
    ...(b.bound_claims !== undefined ? [`bound_claims ${mdCode(bindingKey({ bound_claims: b.bound_claims }).slice('{"bound_claims":'.length, -1))}`] : []),
  ];
  return parts.length ? parts.join(", ") : "no bound_subject or bound_claims";
}

/**
 * The server section of the Markdown report, in the style of the file table: who (a token or a
 * role), the Vault path as the policies write it, the capabilities, gained or lost, and through
 * which policies. Empty when none of the server's policy, token or role files changed, so that a
 * repository without a server reads as before.
 */
export function renderServerDiffMarkdown(result: DiffResult, server: ServerDiffResult): string {
  if (!server.changed) return "";
  const base = mdCode(result.base.rev);
  const head = result.head ? mdCode(result.head.rev) : "the work tree";
  const out: string[] = ["", `### Server access changes (\`secrets serve\`): ${base} → ${head}`, ""];
  if (!server.changes.length) {
    out.push("No token or role gains or loses a capability.");
  } else {
    const gained = server.changes.filter((c) => c.change === "gained").length;
    out.push(`${gained} gained, ${server.changes.length - gained} lost.`, "");
    out.push("| Who | Vault path | Capabilities | Change | Through |", "|---|---|---|---|---|");
    for (const c of server.changes) {
      const change = c.change === "gained" ? "**gained**" : "lost";
      out.push(`| ${c.subject.kind} ${mdCode(c.subject.name)} | ${mdCode(c.path)} | ${c.capabilities.map(mdCode).join(", ")} | ${change} | ${c.policies.map(mdCode).join(", ")} |`);
    }
  }
  if (server.bindings.length) {
    out.push("", "Roles whose login conditions changed (who may log in to them):");
    for (const b of server.bindings) out.push(`- ${mdCode(b.role)}: ${bindingText(b.before)} → ${bindingText(b.after)}`);
  }
  if (server.warnings.length) {
    out.push("", "Server files that could not be read (they grant nothing at that side):");
    for (const w of server.warnings) out.push(`- ${mdCode(w.file)} at ${w.side}: ${mdCell(w.message)}`);
  }
  return out.join("\n") + "\n";
}
