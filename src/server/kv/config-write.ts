/**
 * `POST <mount>/config` (path_config.go `pathConfigWrite`): the mount's `max_versions` and
 * `cas_required`, kept as `config:` in the mount's `.kv-metadata.yaml` and committed like every
 * other configuration written through the API (config/commit-config.ts). Only the fields given
 * change; a body with none is a no-op (Vault's fast path). `delete_version_after` is accepted only
 * as 0 (versions do not expire by age here); Vault's negative "disable" is refused the same way.
 * Answers nothing (204).
 */
import path from "node:path";
import { parseDocument } from "yaml";
import { SecretsError } from "../../errors.js";
import { commitConfig } from "../config/commit-config.js";
import { relativeSlash } from "../kv-files.js";
import { KV_METADATA_FILE, parseKvMetadataFile, type KvConfig } from "./metadata-file.js";
import { KvMetadataInput } from "./metadata-write.js";
import type { KvActor, KvMount, KvWriteContext } from "./write-context.js";

const KvConfigInput = KvMetadataInput.pick({ max_versions: true, cas_required: true, delete_version_after: true });

export async function writeKvConfig(ctx: KvWriteContext, mount: KvMount, raw: unknown, actor: KvActor): Promise<void> {
  const parsed = KvConfigInput.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SecretsError("usage", `invalid ${issue.path.join(".") || "config"}: ${issue.message}`);
  }
  const input = parsed.data;
  if (input.max_versions === undefined && input.cas_required === undefined && input.delete_version_after === undefined) return;
  if (input.delete_version_after !== undefined && input.delete_version_after !== 0) {
    throw new SecretsError("usage", "delete_version_after is not supported by this server: versions do not expire by age");
  }
  const file = relativeSlash(ctx.repo.top, path.join(ctx.repo.top, ...mount.folder.split("/"), KV_METADATA_FILE));
  await commitConfig(
    ctx,
    [file],
    (current) => {
      const doc = parseDocument(current.get(file) ?? "");
      if (doc.errors.length) throw new SecretsError("config", `${KV_METADATA_FILE} is not valid YAML`);
      const before = parseKvMetadataFile(current.get(file) ?? "").config ?? {};
      const config: KvConfig = { ...before };
      if (input.max_versions !== undefined) config.max_versions = input.max_versions;
      if (input.cas_required !== undefined) config.cas_required = input.cas_required;
      // Only the config block changes: comments and the secrets' records stay as written.
      doc.setIn(["config"], doc.createNode(config));
      const text = doc.toString();
      parseKvMetadataFile(text);
      return [{ path: file, text }];
    },
    `write config of ${mount.name}/`,
    actor.author,
  );
}
