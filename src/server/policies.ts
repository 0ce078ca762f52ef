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
    if (n === ROOT_POLICY_NAME) return rootPolicy();
    const text = await this.#read(n);
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
