/**
 * Where a token's policies come from: the repository, so that who may reach what changes by pull
 * request. A policy named `NAME` is the file `.secrets/policies/NAME.hcl` at the top of the work
 * tree, in either of Vault's forms (HCL, or JSON: a text starting with `{`). `root` is built in and
 * cannot be replaced (vault/policy_store.go refuses to write it); `default` is Vault's built-in
 * default policy unless the repository has a `default.hcl` (Vault lets `default` be rewritten).
 * A name with no file grants nothing, as a token naming a policy Vault does not have.
 *
 * Files are read on every request, so that a commit pulled into the checkout applies at once.
 */
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { compileAcl, defaultPolicy, DEFAULT_POLICY_NAME, parsePolicy, policyName, rootPolicy, ROOT_POLICY_NAME, type Acl, type Policy } from "../auth/policy/index.js";
import { SecretsError } from "../errors.js";

/** The folder under the work tree's top level. */
export const POLICY_FOLDER = join(".secrets", "policies");
export const POLICY_EXTENSION = ".hcl";

/** vault/policy_store.go: stored names are lower case; ours must also be one safe file name. */
const PolicyFileName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,127}$/);

export class RepositoryPolicies {
  constructor(private readonly repoTop: string) {}

  /** The file that holds policy `name`, or undefined for a name no file may hold. */
  fileFor(name: string): string | undefined {
    const n = policyName(name);
    if (!PolicyFileName.safeParse(n).success || n.includes("..")) return undefined;
    return join(this.repoTop, POLICY_FOLDER, n + POLICY_EXTENSION);
  }

  /** Policy `name`, or null when there is none. Kind `config` (500) for a policy file that does not parse. */
  async load(name: string): Promise<Policy | null> {
    const n = policyName(name);
    if (n === ROOT_POLICY_NAME) return rootPolicy();
    const file = this.fileFor(n);
    let text: string | undefined;
    if (file) {
      try {
        text = await fsp.readFile(file, "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new SecretsError("read-input", `cannot read policy ${n}`, { cause: e });
      }
    }
    if (text === undefined) return n === DEFAULT_POLICY_NAME ? defaultPolicy() : null;
    try {
      return await parsePolicy(n, text);
    } catch (e) {
      throw new SecretsError("config", `policy ${n} in ${POLICY_FOLDER} does not parse`, { cause: e });
    }
  }

  /** The ACL of a token holding these policies (vault/acl.go NewACL over the ones that exist). */
  async acl(names: readonly string[]): Promise<Acl> {
    const loaded = await Promise.all(names.map((n) => this.load(n)));
    return compileAcl(loaded.filter((p): p is Policy => p !== null));
  }
}
