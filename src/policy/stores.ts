/** What `.sops.yaml`'s `stores:` section says about writing each format. */
import type { Format } from "../sops/stores/store.js";
import type { LoadedConfig } from "./load.js";

/**
 * The indent the store should use, from `stores.*.indent`, with sops' defaults and go-yaml's clamp:
 * YAML 0/absent → 4, 1 or more than 9 → 2 (go-yaml's emitter does that); JSON (and binary, which sops
 * writes as JSON with the `json_binary` options) absent → -1, meaning one tab. dotenv and INI have no
 * indent: undefined.
 */
export function storeIndent(config: LoadedConfig | null | undefined, format: Format | "json_binary"): number | undefined {
  const stores = config?.data.stores;
  switch (format) {
    case "yaml": {
      const v = stores?.yaml?.indent ?? 0;
      if (v === 0) return 4;
      return v < 2 || v > 9 ? 2 : v;
    }
    case "json":
      return stores?.json?.indent ?? -1;
    case "binary":
    case "json_binary":
      return stores?.json_binary?.indent ?? -1;
    default:
      return undefined;
  }
}
