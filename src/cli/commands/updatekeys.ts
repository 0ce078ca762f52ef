import { withFileAsync } from "../../errors.js";
import { openSecretFile, writeEncryptedFile } from "../../files/secret-file.js";
import { recipientsFromMetadata, rewrap, type Recipients } from "../../sops/document.js";
import { creationFor, getKeySource, indentFor } from "../context.js";
import { confirm, info } from "../io.js";

export interface UpdatekeysOptions {
  yes?: boolean;
  ignoreMac?: boolean;
  inputType?: string;
}

function flat(r: Recipients): Set<string> {
  return new Set(r.groups.flat());
}

/**
 * `secrets updatekeys FILE...`: re-wraps each file's data key for the recipients its `.sops.yaml`
 * rule names now. Values, `lastmodified` and the MAC are untouched. Unlike sops, the MAC is checked
 * first (a tampered file is not blessed with new recipients) unless `--ignore-mac`.
 */
export async function updatekeysCommand(files: string[], opts: UpdatekeysOptions): Promise<void> {
  const keys = await getKeySource();
  for (const file of files) {
    const creation = await creationFor(file, {});
    const opened = await openSecretFile(file, keys, { inputType: opts.inputType, ignoreMac: opts.ignoreMac });
    await withFileAsync(file, async () => {
      const current = recipientsFromMetadata(opened.doc.metadata);
      const want = creation.recipients;
      const a = flat(current);
      const b = flat(want);
      const added = [...b].filter((x) => !a.has(x));
      const removed = [...a].filter((x) => !b.has(x));
      const sameShape = JSON.stringify(current.groups.map((g) => [...g].sort())) === JSON.stringify(want.groups.map((g) => [...g].sort()));
      if (sameShape && (current.shamirThreshold || 0) === (want.shamirThreshold || 0)) {
        info(`${file}: already up to date`);
        return;
      }
      info(`${file}: key changes:`);
      for (const r of added) info(`  + ${r}`);
      for (const r of removed) info(`  - ${r}`);
      if (!sameShape && !added.length && !removed.length) info("  (key groups or threshold change)");
      if (!opts.yes && !(await confirm("Apply?"))) {
        info(`${file}: not changed`);
        return;
      }
      const metadata = await rewrap(opened.stored, opened.doc.dataKey, want, keys);
      await writeEncryptedFile(file, opened.store, { branches: opened.stored.branches, metadata }, { indent: await indentFor(opened.format) });
      info(`${file}: updated`);
    });
  }
}
