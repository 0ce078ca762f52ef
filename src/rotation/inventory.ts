/**
 * Every secret under the rotation policy and where it stands: when it last rotated, when it is
 * due, and whether it is `ok`, `due`, `overdue`, `rotating` (a rotation in progress: its record in
 * the state directory) or `stuck` (its attempts ran out). What `rotation status`, `verify
 * --fail-on-overdue` and `rotate values --due` all read.
 *
 * Nothing is decrypted: secret paths come from key names (`SecretRepository.list`), and the last
 * rotation from the value's metadata (`rotated_at`, kept in clear beside the value and covered by
 * the file's MAC), so CI can run it without a key. A value never rotated counts from its file's
 * sops `lastmodified`.
 */
import { parseEncryptedFile } from "../files/secret-file.js";
import { readMetadata } from "../secrets/entries.js";
import type { SecretRepository } from "../secrets/repository.js";
import { parseMetadata } from "../sops/metadata.js";
import { Branch } from "../sops/tree.js";
import { ruleFor, type RotationPolicyRule } from "./policy.js";
import { parseIsoSeconds, scheduleState } from "./schedule.js";
import type { RotationRecord, RotationStateStore } from "./state.js";

/** The metadata field that holds when a value last rotated (RFC 3339, UTC). */
export const ROTATED_AT = "rotated_at";

export type RotationState = "ok" | "due" | "overdue" | "rotating" | "stuck";

export interface InventoryItem {
  secret: string;
  file: string;
  keyPath: string[];
  rule: RotationPolicyRule;
  /** Unix seconds of the last rotation; null when the value never rotated. */
  lastRotated: number | null;
  /** What the schedule counts from: lastRotated, else the file's lastmodified (null when unknown). */
  since: number | null;
  /** Unix seconds when it is (or was) due; null when the schedule never fires. */
  due: number | null;
  state: RotationState;
  /** Whether the schedule says it should rotate now (due or overdue), whatever the record says. */
  scheduled: boolean;
  record: RotationRecord | null;
}

export async function rotationInventory(repo: SecretRepository, rules: readonly RotationPolicyRule[], store: RotationStateStore | null, now: number): Promise<InventoryItem[]> {
  if (rules.length === 0) return [];
  const records = new Map((store ? await store.all() : []).map((r) => [r.secret, r]));
  const out: InventoryItem[] = [];
  const parsed = new Map<string, Awaited<ReturnType<typeof parseEncryptedFile>>>();
  for (const entry of await repo.list("")) {
    const rule = ruleFor(rules, entry.path);
    if (!rule) continue;
    let file = parsed.get(entry.file);
    if (!file) parsed.set(entry.file, (file = await parseEncryptedFile(entry.file)));
    const meta = file.stored.metadata === null ? null : parseMetadata(file.stored.metadata);
    const rotated = meta ? readMetadata(file.stored.branches[0] ?? new Branch(), entry.keyPath, meta.encryptionRule)?.[ROTATED_AT] : undefined;
    const lastRotated = parseIsoSeconds(rotated);
    const since = lastRotated ?? parseIsoSeconds(meta?.lastModified);
    const sched = since === null ? { state: "due" as const, due: null } : scheduleState(rule, since, now);
    const record = records.get(entry.path) ?? null;
    const state: RotationState = record?.step === "stuck" ? "stuck" : record ? "rotating" : sched.state;
    out.push({ secret: entry.path, file: entry.file, keyPath: entry.keyPath, rule, lastRotated, since, due: sched.due, state, scheduled: sched.state !== "ok", record });
  }
  return out;
}
