import type { Recipients } from "../sops/document.js";
import type { EncryptionRule } from "../sops/metadata.js";
import type { Format } from "../sops/stores/store.js";
import { PolicyError, toTypedError } from "./errors.js";

/**
 * How new secret files are encrypted: the `.sops.yaml` creation rule for their path. The CLI brings
 * its own (flags, `--config`); this one serves the SDK, which finds the config from the secrets root
 * so that it works whatever the process's working directory is.
 */

export interface Creation {
  recipients: Recipients;
  encryptionRule?: EncryptionRule;
  macOnlyEncrypted: boolean;
}

export interface Policy {
  creationFor(file: string): Promise<Creation>;
  indentFor(format: Format): Promise<number | undefined>;
}

export function policyFromConfig(startDir: string, env: Record<string, string | undefined> = process.env): Policy {
  let loaded: Promise<import("../policy/load.js").LoadedConfig | null> | undefined;
  const config = () =>
    (loaded ??= (async () => {
      const [{ findConfig }, { loadConfig }] = await Promise.all([import("../policy/discover.js"), import("../policy/load.js")]);
      const p = findConfig(startDir, env);
      return p ? loadConfig(p) : null;
    })());
  return {
    async creationFor(file: string): Promise<Creation> {
      try {
        const c = await config();
        if (!c) throw new PolicyError(`no .sops.yaml found from ${startDir}: cannot tell whom to encrypt a new file to (run \`secrets init\`)`);
        const { matchRule } = await import("../policy/match.js");
        const rule = matchRule(c, c.dir, file);
        const out: Creation = { recipients: { groups: rule.keyGroups.map((g) => g.age), shamirThreshold: rule.shamirThreshold }, macOnlyEncrypted: rule.macOnlyEncrypted };
        if (rule.encryptionRule) out.encryptionRule = rule.encryptionRule;
        return out;
      } catch (e) {
        throw toTypedError(e);
      }
    },
    async indentFor(format: Format): Promise<number | undefined> {
      if (format !== "yaml" && format !== "json") return undefined;
      try {
        const c = await config();
        const { storeIndent } = await import("../policy/stores.js");
        return storeIndent(c, format);
      } catch (e) {
        throw toTypedError(e);
      }
    },
  };
}
