import { isSecretsError } from "../../src/errors.js";
import { parseTreePath, type PathSegment } from "../../src/sops/path.js";
import { ActionFailure } from "./failure.js";
import type { SelectorLine } from "./inputs.js";
import { ENV_NAME } from "./names.js";
import { safe } from "./safe-text.js";

/**
 * The `secrets` input: one selector per line,
 *
 *     FILE[#PATH] [| NAME]
 *
 * `secrets/prod/app.yaml#database.password | DB_PASSWORD` exports one value as DB_PASSWORD;
 * without `| NAME` the name comes from the path (DATABASE_PASSWORD); a PATH that holds a map or a
 * list exports every value below it, named NAME_<rest of the path>; without `#PATH` the whole file is
 * exported. PATH is the dotted form (`a.b.0`) or sops' index form (`["a"]["b"][0]`).
 */
export interface Selector {
  /** 1-based line in the input, for messages. */
  line: number;
  file: string;
  path: PathSegment[];
  /** The name given after `|`, if any. */
  name?: string;
}

export function parseSelector({ line, text }: SelectorLine): Selector {
  const bad = () => new ActionFailure(safe`input secrets: line ${line} is not a selector (expected FILE#PATH | NAME)`);
  const bar = text.lastIndexOf("|");
  const target = (bar >= 0 ? text.slice(0, bar) : text).trim();
  const name = bar >= 0 ? text.slice(bar + 1).trim() : undefined;
  if (name !== undefined && !ENV_NAME.test(name)) {
    throw new ActionFailure(safe`input secrets: line ${line}: the name after | must match [A-Za-z_][A-Za-z0-9_]*`);
  }
  const hash = target.indexOf("#");
  const file = (hash >= 0 ? target.slice(0, hash) : target).trim();
  if (file === "") throw bad();
  let path: PathSegment[] = [];
  if (hash >= 0) {
    try {
      path = parseTreePath(target.slice(hash + 1));
    } catch (e) {
      if (isSecretsError(e)) throw bad();
      throw e;
    }
  }
  return name === undefined ? { line, file, path } : { line, file, path, name };
}
