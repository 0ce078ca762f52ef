/**
 * The cluster name and id `sys/health` and `sys/seal-status` report: made on the first start and
 * kept in `<stateDir>/cluster.json`, so that a restart is the same "cluster" to a client (Vault
 * keeps them in its storage; `vault-cluster-<8 hex>` is the name Vault gives by default).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { SecretsError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";

const ClusterRecord = z.strictObject({ name: z.string().min(1), id: z.uuid() });
export type ClusterIdentity = z.infer<typeof ClusterRecord>;

export async function ensureClusterIdentity(stateDir: string): Promise<ClusterIdentity> {
  const file = join(stateDir, "cluster.json");
  try {
    const parsed = ClusterRecord.safeParse(JSON.parse(await fsp.readFile(file, "utf8")));
    if (parsed.success) return parsed.data;
    throw new SecretsError("config", `${file} is damaged: delete it to make a new cluster identity`);
  } catch (e) {
    if (e instanceof SecretsError) throw e;
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new SecretsError("config", `${file} is damaged or unreadable: delete it to make a new cluster identity`, { cause: e });
  }
  const record: ClusterIdentity = { name: `vault-cluster-${randomBytes(4).toString("hex")}`, id: randomUUID() };
  await fsp.mkdir(stateDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  return record;
}
