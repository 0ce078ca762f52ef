/**
 * When a secret is due, by its rule's schedule: `every` N seconds after it last rotated, or the
 * first tick of its cron expression (UTC, croner) after it last rotated. It is `due` from then, and
 * `overdue` once the rule's window has passed too; `ok` before. A secret never rotated counts from
 * the last time its file was written (sops' `lastmodified`), so adding a policy to an existing
 * secret does not make it overdue at once. Times are unix seconds.
 */
import { Cron } from "croner";
import type { RotationPolicyRule } from "./policy.js";

export type ScheduleState = "ok" | "due" | "overdue";

/** The first time after `since` that the rule wants the secret rotated (null: the cron never fires again). */
export function dueAt(rule: Pick<RotationPolicyRule, "schedule">, since: number): number | null {
  if (rule.schedule.kind === "every") return since + rule.schedule.seconds;
  const next = new Cron(rule.schedule.expression, { paused: true, timezone: "UTC" }).nextRun(new Date(since * 1000));
  return next === null ? null : Math.floor(next.getTime() / 1000);
}

/** Where `now` stands against the schedule. */
export function scheduleState(rule: Pick<RotationPolicyRule, "schedule" | "windowSeconds">, since: number, now: number): { state: ScheduleState; due: number | null } {
  const due = dueAt(rule, since);
  if (due === null || now < due) return { state: "ok", due };
  return { state: now >= due + rule.windowSeconds ? "overdue" : "due", due };
}

/** RFC 3339 in UTC, whole seconds (`2026-01-02T03:04:05Z`): how `rotated_at` is kept. */
export function isoSeconds(unix: number): string {
  return new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Unix seconds of an RFC 3339 time, or null when it is not one. */
export function parseIsoSeconds(text: unknown): number | null {
  if (typeof text !== "string" || !/^\d{4}-\d{2}-\d{2}T/.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}
