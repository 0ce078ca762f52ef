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
import { promises as fsp, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  compileAcl,
  defaultPolicy,
  DEFAULT_POLICY_NAME,
  defaultPolicyText,
  parsePolicy,
  policyFile,
  policyName,
  policyOfFile,
  POLICY_FOLDER,
  rootPolicy,
  ROOT_POLICY_NAME,
  type Acl,
  type Policy,
} from "../auth/policy/index.js";
import { SecretsError } from "../errors.js";

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
    const rel = this.repositoryPath(name);
    return rel === undefined ? undefined : join(this.repoTop, ...rel.split("/"));
  }

  /** The file that holds policy `name`, relative to the work tree's top and `/`-separated (`.secrets/policies/ci.hcl`); undefined as for fileFor. */
  repositoryPath(name: string): string | undefined {
    return policyFile(name);
  }

  /**
   * The stored text of policy `name` as it is in the work tree, unparsed (what `sys/policy/:name`
   * returns as `rules`): the built-in text for `root` ("") and for `default` without a file; null
   * when there is no such policy.
   */
  async text(name: string): Promise<string | null> {
    const n = policyName(name);
    if (n === ROOT_POLICY_NAME) return rootPolicy().raw;
    const text = await this.#read(n);
    if (text !== undefined) return text;
    return n === DEFAULT_POLICY_NAME ? defaultPolicyText() : null;
  }

  /**
   * The names of the policies the repository holds: every file `<name>.hcl` of the folder whose
   * name a policy may have, and `default` (built in), sorted; `root` is not among them (it has no
   * file: vault/policy_store.go never stores it).
   */
  async names(): Promise<string[]> {
    let entries: string[];
    try {
      entries = await fsp.readdir(join(this.repoTop, ...POLICY_FOLDER.split("/")));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new SecretsError("read-input", `cannot list ${POLICY_FOLDER}`, { cause: e });
      entries = [];
    }
    const names = new Set([DEFAULT_POLICY_NAME]);
    for (const entry of entries) {
      const n = policyOfFile(`${POLICY_FOLDER}/${entry}`);
      if (n !== undefined && n !== ROOT_POLICY_NAME) names.add(n);
    }
    return [...names].sort();
  }

  /** The file's text, or undefined when there is no file (or the name can have none). */
  async #read(n: string): Promise<string | undefined> {
    const file = this.fileFor(n);
    if (!file) return undefined;
    try {
      return await fsp.readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new SecretsError("read-input", `cannot read policy ${n}`, { cause: e });
      return undefined;
    }
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
