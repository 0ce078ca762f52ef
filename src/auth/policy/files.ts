/**
 * Where the repository keeps the server's ACL policies: policy `NAME` is the file
 * `.secrets/policies/NAME.hcl` at the top of the work tree (either of Vault's forms inside). The
 * server reads them (src/server/policies.ts) and `secrets policy diff` compares them between
 * revisions (src/access/server-diff.ts): both name files through here.
 */
import { z } from "zod";
import { policyName } from "./parse.js";

/** The folder, relative to the work tree's top, `/`-separated as git names it. */
export const POLICY_FOLDER = ".secrets/policies";
export const POLICY_EXTENSION = ".hcl";

/** vault/policy_store.go: stored names are lower case; ours must also be one safe file name. */
const PolicyFileName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,127}$/);

/** The file of policy `name` (trimmed and lower-cased first), relative to the top; undefined for a name no file may hold. */
export function policyFile(name: string): string | undefined {
  const n = policyName(name);
  if (!PolicyFileName.safeParse(n).success || n.includes("..")) return undefined;
  return `${POLICY_FOLDER}/${n}${POLICY_EXTENSION}`;
}

/** The policy a top-relative path holds, or undefined when the path is no policy file. */
export function policyOfFile(path: string): string | undefined {
  if (!path.startsWith(`${POLICY_FOLDER}/`) || !path.endsWith(POLICY_EXTENSION)) return undefined;
  const name = path.slice(POLICY_FOLDER.length + 1, -POLICY_EXTENSION.length);
  return policyFile(name) === path ? name : undefined;
}
