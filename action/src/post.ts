import * as core from "@actions/core";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { ageKeyMasks, parseAgeKey } from "./age-key.js";
import { openLeases, revokeAll } from "./dynamic.js";
import { say } from "./log.js";
import { MaskRegistry } from "./masks.js";
import { counted, safe } from "./safe-text.js";
import { savedLeases, writtenFiles } from "./state.js";

/**
 * The post step (runs after the job's last step, also when the job failed): revokes every lease
 * the main step minted (the `dynamic` input), then removes every file the main step wrote,
 * `dotenv-file` included. Exported as `run()` for `@github/local-action`.
 */
export async function run(): Promise<void> {
  await revokeLeases();
  removeFiles();
}

/**
 * The engines' connection files are opened again with the age-key input (the post step gets the
 * step's inputs); a lease id alone names what to revoke. A failure is reported by count only: the
 * credentials expire at their TTL anyway, and `secrets lease tidy` drops them then.
 */
async function revokeLeases(): Promise<void> {
  const { ids, done } = savedLeases();
  if (ids.length === 0) {
    done();
    return;
  }
  let failed = ids.length;
  let expiring = 0;
  try {
    const keyText = core.getInput("age-key", { trimWhitespace: false });
    new MaskRegistry().addStrings(ageKeyMasks(keyText));
    const workspace = resolve(process.env.GITHUB_WORKSPACE || process.cwd());
    const root = resolve(workspace, core.getInput("working-directory").trim() || ".");
    const leases = await openLeases(root, parseAgeKey(keyText));
    try {
      ({ failed, expiring } = await revokeAll(ids, leases));
    } finally {
      await leases.close();
    }
  } catch {
    // failed stays: every lease is reported as not revoked.
  }
  done();
  if (failed) core.setFailed(safe`gitops-secrets post step: could not revoke ${failed} of the ${counted(ids.length, safe`lease`, safe`leases`)} the main step minted; they expire at their TTL (\`secrets lease tidy\` drops them then)`);
  else if (expiring) say(safe`Revoked ${counted(ids.length - expiring, safe`lease`, safe`leases`)} the main step minted; ${counted(expiring, safe`credential`, safe`credentials`)} (AWS STS) cannot be revoked early and stay valid until their TTL ends.`);
  else say(safe`Revoked ${counted(ids.length, safe`lease`, safe`leases`)} the main step minted.`);
}

function removeFiles(): void {
  const files = writtenFiles();
  let failed = 0;
  for (const f of files) {
    try {
      rmSync(f, { force: true });
    } catch {
      failed++;
    }
  }
  if (failed) core.setFailed(safe`gitops-secrets post step: could not remove ${failed} of the ${files.length} files the main step wrote`);
  else if (files.length === 1) say(safe`Removed the file the main step wrote.`);
  else if (files.length) say(safe`Removed the ${files.length} files the main step wrote.`);
}
