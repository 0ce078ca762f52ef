/**
 * Where a token's policies come from: the repository, so that who may reach what changes by pull
 * request. A policy named `NAME` is the file `.secrets/policies/NAME.hcl` at the top of the work
 * tree, in either of Vault's forms (HCL, or JSON: a text starting with `{`). `root` is built in and
 * cannot be replaced (vault/policy_store.go refuses to write it); `default` is Vault's built-in
 * default policy unless the repository has a `default.hcl` (Vault lets `default` be rewritten).
 * A name with no file grants nothing, as a token naming a policy Vault does not have.
 *
 * Files are looked at on every request, so that a commit pulled into the checkout applies at once:
 * a `stat` each (synchronous: an asynchronous one costs thread-pool round trips, and an exception
 * for a file that is not there), the file read again only when the stat changed, and parsed again
 * only when its text changed (parsing HCL takes milliseconds). The ACL of a set of policies is
 * compiled again only when one of them changed. Parsed policies and compiled ACLs are shared
 * between requests and never changed.
 */
import { readFileSync, statSync } from "node:fs";
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
  /** Each policy as last parsed, with the text it was parsed from. */
  readonly #parsed = new Map<string, { text: string; stamp: string; policy: Policy }>();
  /** Each set of policy names' ACL, with the policies it was compiled from. */
  readonly #acls = new Map<string, { from: readonly Policy[]; acl: Acl }>();
  /** The built-in policies, made once (the same objects every time, for the ACL cache). */
  #root: Policy | undefined;
  #default: Policy | undefined;

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
    if (n === ROOT_POLICY_NAME) return (this.#root ??= rootPolicy());
    const file = this.fileFor(n);
    let text: string | undefined;
    let stamp = "";
    const seen = this.#parsed.get(n);
    if (file) {
      try {
        const st = statSync(file, { throwIfNoEntry: false });
        if (st !== undefined) {
          // Unchanged since it was parsed (see git/head.ts for why a stat with sub-second times can say so): no read.
          stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
          if (seen?.stamp === stamp && (st.mtimeMs % 1000 !== 0 || st.ctimeMs % 1000 !== 0)) return seen.policy;
          text = readFileSync(file, "utf8");
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new SecretsError("read-input", `cannot read policy ${n}`, { cause: e });
      }
    }
    if (text === undefined) {
      this.#parsed.delete(n);
      return n === DEFAULT_POLICY_NAME ? (this.#default ??= defaultPolicy()) : null;
    }
    if (seen?.text === text) {
      seen.stamp = stamp;
      return seen.policy;
    }
    let policy: Policy;
    try {
      policy = await parsePolicy(n, text);
    } catch (e) {
      throw new SecretsError("config", `policy ${n} in ${POLICY_FOLDER} does not parse`, { cause: e });
    }
    this.#parsed.set(n, { text, stamp, policy });
    return policy;
  }

  /** The ACL of a token holding these policies (vault/acl.go NewACL over the ones that exist). */
  async acl(names: readonly string[]): Promise<Acl> {
    const loaded = (await Promise.all(names.map((n) => this.load(n)))).filter((p): p is Policy => p !== null);
    const key = names.join("\n");
    const seen = this.#acls.get(key);
    if (seen && seen.from.length === loaded.length && seen.from.every((p, i) => p === loaded[i])) return seen.acl;
    const acl = compileAcl(loaded);
    // Bounded: token holders name few distinct sets; past the bound, start again.
    if (this.#acls.size >= 1000) this.#acls.clear();
    this.#acls.set(key, { from: loaded, acl });
    return acl;
  }
}
