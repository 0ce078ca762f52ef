/**
 * Edits of `.secrets/mounts.yaml` as text, for the API writes of `sys/mounts` (each becomes one
 * commit through commit-config.ts). The file is edited as a YAML document, so that the comments
 * and the layout of a hand-written file survive a write made through the API.
 *
 * While the file declares no `secrets`, the server has the implicit `secret/` (mounts-file.ts).
 * The first edit makes it explicit, so that enabling another mount does not silently drop it, and
 * disabling `secret/` leaves `secrets: {}` (no secrets engine at all) rather than an absent key
 * that would bring the default back.
 */
import { Document, isMap, parseDocument } from "yaml";
import { SecretsError } from "../../errors.js";
import { MOUNTS_FILE, parseMountsFile, secretsEngines, type MountsFile, type SecretsEngineEntry } from "./mounts-file.js";

/** What a file written by the server first says about itself. */
const HEADER = ` The server's secret engines and auth methods (docs/server.md, "Mounts"). Nothing here is
 secret. Change it by pull request, or through the Vault API (sys/mounts), which commits it.`;

function documentOf(text: string | null): Document {
  if (text === null || text.trim() === "") {
    const doc = new Document({});
    doc.commentBefore = HEADER;
    return doc;
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new SecretsError("config", `${MOUNTS_FILE} is not valid YAML`, { cause: doc.errors[0] });
  return doc;
}

/**
 * `text` (null: no file) with the secrets engine at `point` set to `entry`, or removed for null.
 * The result is parsed again (mounts-file.ts), so an edit can never leave a file the server refuses
 * to read; kind `config` when the current file does not parse.
 */
export function withSecretsEngine(text: string | null, point: string, entry: SecretsEngineEntry | null): { text: string; file: MountsFile } {
  const before = text === null ? {} : parseMountsFile(text);
  const doc = documentOf(text);
  if (!isMap(doc.get("secrets"))) doc.set("secrets", doc.createNode(secretsEngines(before)));
  if (entry === null) doc.deleteIn(["secrets", point]);
  else doc.setIn(["secrets", point], doc.createNode(withoutUndefined(entry)));
  const out = doc.toString();
  return { text: out, file: parseMountsFile(out) };
}

/** The entry without absent fields (YAML has no undefined; an explicit null would break the schema). */
function withoutUndefined(entry: SecretsEngineEntry): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry as Record<string, unknown>).filter(([, v]) => v !== undefined));
}
