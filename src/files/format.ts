import { SecretsError } from "../errors.js";
import type { Format, Store } from "../sops/stores/store.js";

/**
 * File format by name, as sops picks it (`cmd/sops/formats`): `.yaml`/`.yml`, `.json`, `.env`, `.ini`,
 * and anything else is binary. Stores load lazily so that a JSON decrypt never parses the YAML
 * library, and `--version` parses nothing.
 */

export const formats: readonly Format[] = ["yaml", "json", "dotenv", "ini", "binary"];

export function formatForPath(path: string): Format {
  const p = path.toLowerCase();
  if (p.endsWith(".yaml") || p.endsWith(".yml")) return "yaml";
  if (p.endsWith(".json")) return "json";
  if (p.endsWith(".env")) return "dotenv";
  if (p.endsWith(".ini")) return "ini";
  return "binary";
}

/** `--input-type`/`--output-type`: an explicit format, else the one the path implies. */
export function resolveFormat(explicit: string | undefined, path: string): Format {
  if (explicit === undefined || explicit === "") return formatForPath(path);
  if ((formats as readonly string[]).includes(explicit)) return explicit as Format;
  // sops silently falls back to the extension; an explicit typo deserves an error.
  throw new SecretsError("usage", `unknown file type "${explicit}" (expected one of ${formats.join(", ")})`);
}

export async function loadStore(format: Format): Promise<Store> {
  switch (format) {
    case "yaml":
      return (await import("../sops/stores/yaml.js")).yamlStore;
    case "json":
      return (await import("../sops/stores/json.js")).jsonStore;
    case "dotenv":
      return (await import("../sops/stores/dotenv.js")).dotenvStore;
    case "ini":
      return (await import("../sops/stores/ini.js")).iniStore;
    case "binary":
      return (await import("../sops/stores/binary.js")).binaryStore;
  }
}
