import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { SecretsError } from "../errors.js";
import { confinedPath } from "../io/confine.js";
import { displayPath } from "../secrets/resolve.js";

/** The extensions a plaintext role file may have, in the order they are looked for. */
export const ROLE_EXTENSIONS = [".yaml", ".yml", ".json"] as const;

/**
 * The one role file `<rolesFolder>/<name>.{yaml,yml,json}`, or null when there is none. The
 * engines' roles are plaintext files reviewed like code: a symbolic link among them must stay
 * inside the engine's folder (`engineFolder`), as a secret file must stay under the secrets root,
 * so a link cannot make a reviewed role out of a file elsewhere on the machine. Throws `config`
 * when two files claim the name, `outside-root` for a link that leaves the folder.
 */
export async function soleRoleFile(engineFolder: string, rolesFolder: string, name: string): Promise<string | null> {
  const base = join(rolesFolder, name);
  const found: string[] = [];
  for (const ext of ROLE_EXTENSIONS) {
    const st = await fsp.lstat(base + ext).catch(() => undefined);
    if (st?.isFile() || st?.isSymbolicLink()) {
      confinedPath(engineFolder, base + ext, { shown: displayPath(base + ext), rootName: `the engine folder ${displayPath(engineFolder)}` });
      found.push(base + ext);
    }
  }
  if (found.length > 1) throw new SecretsError("config", `both ${found.map(displayPath).join(" and ")} configure role ${name}; keep one`);
  return found[0] ?? null;
}
