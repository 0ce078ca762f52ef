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
    case "yaml":
      return indentFor("yaml", stores?.yaml?.indent);
    case "json":
      return indentFor("json", stores?.json?.indent);
    case "binary":
    case "json_binary":
      return indentFor("json", stores?.json_binary?.indent);
    default:
      return undefined;
  }
}

/**
 * The indent a store uses for a configured value (from `stores:` or sops' `--indent N`, which sets
 * all three at once), by the same rules as storeIndent; undefined for dotenv and INI.
 */
export function indentFor(format: Format | "json_binary", value: number | null | undefined): number | undefined {
  if (format === "yaml") {
    const v = value ?? 0;
    if (v === 0) return 4;
    return v < 2 || v > 9 ? 2 : v;
  }
  if (format === "json" || format === "binary" || format === "json_binary") return value ?? -1;
  return undefined;
}
