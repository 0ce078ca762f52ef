/**
 * parsePolicy: Vault's two policy forms, HCL and JSON, → a Policy (vault/policy.go
 * parseACLPolicyWithTemplating). Every failure is a SecretsError of kind `usage` (400 on the
 * server) whose message starts `failed to parse policy: `, as Vault's does.
 *
 * Vault reads both forms with HCL 1, which takes a text whose first non-blank character is `{` as
 * JSON. We do the same: such a text goes to JSON.parse, any other to `@cdktn/hcl2json` (HashiCorp's
 * HCL parser compiled to WebAssembly, from CDK Terrain, the community continuation of CDKTF after
 * HashiCorp ended it; bundled, with its WebAssembly copied where its loader looks: scripts/build.mjs).
 * The HCL syntax errors are that parser's words, not HCL 1's, and an unknown key is
 * reported without its line (`invalid key "x"`; Vault adds `on line N`).
 */
import type { z } from "zod";
import { SecretsError } from "../../errors.js";
import type { Policy, PathRule } from "./policy.js";
import { compilePathRule, RuleError } from "./rules.js";
import { PathBodySchema, PolicyDocumentSchema, type PathBody, type PolicyDocument } from "./schema.js";

const PREFIX = "failed to parse policy: ";

/** Vault's policy store names: trimmed and lower-cased (vault/policy_store.go sanitizeName). */
export function policyName(name: string): string {
  return name.trim().toLowerCase();
}

/** Parses a policy in either form; throws SecretsError("usage") with Vault's message. */
export async function parsePolicy(name: string, text: string): Promise<Policy> {
  const document = validate(await readDocument(name, text));
  return policyFromDocument(name, text, document);
}

/** A validated document → a Policy (sync: the built-in policies are built with it). */
export function policyFromDocument(name: string, raw: string, document: PolicyDocument): Policy {
  const paths: PathRule[] = [];
  try {
    for (const [key, body] of pathEntries(document)) paths.push(compilePathRule(key, body));
  } catch (e) {
    if (e instanceof RuleError) throw usage(e.message);
    throw e;
  }
  return { name: policyName(name), raw, paths };
}

async function readDocument(name: string, text: string): Promise<unknown> {
  if (text.trimStart().startsWith("{")) {
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw usage(e instanceof Error ? e.message : String(e));
    }
  }
  // Loaded on first HCL policy only: it starts a Go WebAssembly runtime, which nothing else needs.
  const hcl = await import("@cdktn/hcl2json").catch((e: unknown) => {
    throw new SecretsError("config", "the HCL parser could not be loaded; write the policy in Vault's JSON form instead", { cause: e });
  });
  try {
    return await hcl.parse(`${policyName(name) || "policy"}.hcl`, text);
  } catch (e) {
    // hcl2json wraps its diagnostics as `parse config: [<diagnostics>]`.
    const message = (e instanceof Error ? e.message : String(e)).replace(/^parse config: \[(.*)\]$/s, "$1");
    throw usage(message);
  }
}

function validate(value: unknown): PolicyDocument {
  // HCL 1 decodes an empty text (or only comments) as an empty object list: a policy with no paths.
  const document = value ?? {};
  const result = PolicyDocumentSchema.safeParse(document);
  if (result.success) return result.data;
  throw usage(bodyProblem(document) ?? describeIssue("", result.error.issues[0]!));
}

/**
 * The first path body that fails on its own, described with its path as Vault does
 * (`path "a": …`): the document's unions would otherwise only say "Invalid input" at `path`.
 */
function bodyProblem(document: unknown): string | undefined {
  if (typeof document !== "object" || document === null || !("path" in document)) return undefined;
  const maps: unknown[] = Array.isArray(document.path) ? document.path : [document.path];
  for (const map of maps) {
    if (typeof map !== "object" || map === null) continue;
    for (const [key, bodies] of Object.entries(map)) {
      for (const body of Array.isArray(bodies) ? (bodies as unknown[]) : [bodies]) {
        const result = PathBodySchema.safeParse(body);
        if (!result.success) return describeIssue(`path ${JSON.stringify(key)}: `, result.error.issues[0]!);
      }
    }
  }
  return undefined;
}

/** A zod issue in Vault's words: `invalid key "x"`, or `field: what is wrong`. */
function describeIssue(where: string, issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") return `${where}invalid key ${JSON.stringify(issue.keys[0])}`;
  const field = issue.path.filter((p): p is string => typeof p === "string").join(".");
  return `${where}${field === "" ? "" : `${field}: `}${issue.message}`;
}

function pathEntries(document: PolicyDocument): [string, PathBody][] {
  const maps = document.path === undefined ? [] : Array.isArray(document.path) ? document.path : [document.path];
  const out: [string, PathBody][] = [];
  for (const map of maps) {
    for (const [key, bodies] of Object.entries(map)) {
      for (const body of Array.isArray(bodies) ? bodies : [bodies]) out.push([key, body]);
    }
  }
  return out;
}

function usage(message: string): SecretsError {
  return new SecretsError("usage", PREFIX + message);
}
