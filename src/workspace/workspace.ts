import { readFileSync } from "node:fs";
import type { LoadedConfig } from "../policy/load.js";
import type { ConfigFinding } from "../policy/lint.js";
import type { SecretRepository } from "../secrets/repository.js";
import { resolveRoot } from "../secrets/root.js";
import type { KeySource } from "../sops/keysource.js";
import type { Format } from "../sops/stores/store.js";
import type { Creation, CreationFlags, CreationPolicy } from "./creation.js";
import { lazyKeySource } from "./lazy-keys.js";

/**
 * Everything one use of the library shares: the `.sops.yaml` (found like sops from a start directory,
 * or named explicitly; loaded at most once, and only when something needs it), the creation policy
 * it gives, the key source (identities looked up at most once, on first use), and the secret
 * repository of a root. The CLI makes one per run, the SDK one per client, the Action one per step;
 * a server holds one per repository. Nothing here is process-global.
 *
 * The policy code (yaml, zod) and the key code are imported only when first needed: `secrets
 * decrypt` pays for neither unless the file or the config asks for it.
 */

export type Env = Record<string, string | undefined>;

export interface WorkspaceOptions {
  /** Where the `.sops.yaml` search starts (and what a relative `configPath` is relative to). */
  startDir: string;
  /** The environment: `SOPS_CONFIG`, and sops' identity variables for the default key source. */
  env: Env;
  /** An explicit `.sops.yaml` (`--config`): no search. */
  configPath?: string;
  /** The key source to use; default: sops' identity lookup from `env`, on first use. */
  keys?: KeySource;
  /**
   * Recipients that stand in for `--age` when a creation has none (the CLI passes
   * `SOPS_AGE_RECIPIENTS`, the flag's environment default in sops). The SDK passes none.
   */
  defaultAge?: string;
  /**
   * Called once, when the config is first loaded, with what sops would silently ignore in it
   * (unknown keys, no creation rules). The CLI prints them as warnings; `verify` reports them itself.
   */
  onConfigFindings?(findings: readonly ConfigFinding[], config: LoadedConfig): void;
  /** sops' `--indent N`: replaces every `stores.*.indent` of the config for YAML, JSON and binary output. */
  indent?: number;
}

export class Workspace implements CreationPolicy {
  readonly startDir: string;
  readonly #env: Env;
  readonly #options: WorkspaceOptions;
  #configPath: Promise<string | null> | undefined;
  #config: Promise<LoadedConfig | null> | undefined;
  #keys: Promise<KeySource> | undefined;
  readonly #keySource: KeySource;
  readonly #repositories = new Map<string, SecretRepository>();

  constructor(options: WorkspaceOptions) {
    this.startDir = options.startDir;
    this.#env = options.env;
    this.#options = options;
    this.#keySource = options.keys ?? lazyKeySource(() => this.keys());
  }

  /** The environment this workspace was made with (read-only: engines take their own variables from it, e.g. AWS's web identity token file). */
  get env(): Readonly<Env> {
    return this.#env;
  }

  /** Where the `.sops.yaml` is (the explicit one, `SOPS_CONFIG`, else found walking up), or null. */
  configPath(): Promise<string | null> {
    this.#configPath ??= import("../policy/discover.js").then((m) => m.findConfig(this.startDir, this.#env, this.#options.configPath));
    return this.#configPath;
  }

  /** The loaded `.sops.yaml`, or null when there is none. Rejects with kind `config` when it is invalid. */
  config(): Promise<LoadedConfig | null> {
    this.#config ??= this.#loadConfig();
    return this.#config;
  }

  async #loadConfig(): Promise<LoadedConfig | null> {
    const path = await this.configPath();
    if (!path) return null;
    const { loadConfig } = await import("../policy/load.js");
    const config = loadConfig(path);
    if (this.#options.onConfigFindings) this.#options.onConfigFindings(await this.#findingsOf(config), config);
    return config;
  }

  async #findingsOf(config: LoadedConfig): Promise<ConfigFinding[]> {
    const { checkConfigKeys } = await import("../policy/lint.js");
    return checkConfigKeys(config);
  }

  /** What sops would silently ignore in the config (unknown keys, no creation rules); [] without one. */
  async configFindings(): Promise<ConfigFinding[]> {
    const config = await this.config();
    return config ? this.#findingsOf(config) : [];
  }

  /**
   * How a new file at `filePath` is encrypted (see resolveCreation for sops' precedence of `flags`
   * over the config's rule). Rejects with kind `config` when no rule or flag says whom to encrypt to.
   */
  async creationFor(filePath: string, flags: CreationFlags = {}): Promise<Creation> {
    const withAge = flags.age === undefined && this.#options.defaultAge !== undefined ? { ...flags, age: this.#options.defaultAge } : flags;
    const config = await this.config();
    const { resolveCreation } = await import("./creation.js");
    return resolveCreation(config, this.startDir, filePath, withAge);
  }

  /**
   * The output indent for a format from the config's `stores` (undefined: the store's default); a
   * `binary` file is JSON inside, so it takes `stores.json_binary`. The config is parsed only when
   * it has a `stores` section: decrypting must not pay for parsing and validating the policy.
   */
  async indentFor(format: Format): Promise<number | undefined> {
    if (format !== "yaml" && format !== "json" && format !== "binary") return undefined;
    if (this.#options.indent !== undefined) return (await import("../policy/stores.js")).indentFor(format, this.#options.indent);
    const path = await this.configPath();
    if (!path) return undefined;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
    if (!/^stores\s*:/m.test(text)) return undefined;
    const { storeIndent } = await import("../policy/stores.js");
    return storeIndent(await this.config(), format === "binary" ? "json_binary" : format);
  }

  /** The loaded key source (identities looked up on first call, once). */
  keys(): Promise<KeySource> {
    this.#keys ??= this.#options.keys ? Promise.resolve(this.#options.keys) : import("../keys/source.js").then((m) => m.createKeySource({ env: this.#env }));
    return this.#keys;
  }

  /**
   * The secrets root: `explicit` (relative to the start directory), else `$SECRETS_ROOT`, else
   * `secrets/` beside the `.sops.yaml` found from the start directory (see src/secrets/root.ts).
   */
  secretsRoot(explicit?: string): string {
    return resolveRoot({ root: explicit, cwd: this.startDir, env: this.#env });
  }

  /**
   * The secret repository of `root` (an absolute path), one per root: reads are cached in it, and
   * new files are created under this workspace's policy. Identities are looked up on first use.
   */
  async repository(root: string): Promise<SecretRepository> {
    let repo = this.#repositories.get(root);
    if (!repo) {
      const { SecretRepository } = await import("../secrets/repository.js");
      repo = this.#repositories.get(root) ?? new SecretRepository({ root, keys: this.#keySource, policy: this });
      this.#repositories.set(root, repo);
    }
    return repo;
  }
}
