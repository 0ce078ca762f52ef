import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseRotationPolicy, pathMatches, ruleFor } from "../../src/rotation/policy.js";
import { dueAt, scheduleState } from "../../src/rotation/schedule.js";
import { renderRotationJsonSchema } from "../../src/rotation/schema.js";
import { ROOT } from "../helpers/cli.js";

const day = 86_400;

describe("rotation policy (.secrets/rotation.yaml)", () => {
  it("reads every generator, fills the defaults and turns durations into seconds", () => {
    const rules = parseRotationPolicy(`rotations:
  - path: app/API_TOKEN
    every: 30d
    generator: { type: random }
    owner: "@platform"
  - path: "database/*/password"
    cron: "0 3 * * 1"
    window: 2h
    generator: { type: postgres, db_name: main, usernames: [app_a, app_b], group_role: app_rw }
    strategy: alternating
    grace: 10m
    retries: 5
    owner: dba
  - path: "partners/**"
    every: 7d
    generator: { type: command, command: [./bin/new-key, --quiet], test: [./bin/check] }
    owner: partners
  - path: auth/signing_key
    every: 90d
    generator: { type: jwt-key, alg: EdDSA }
    owner: auth
`);
    expect(rules).toHaveLength(4);
    expect(rules[0]).toMatchObject({ path: "app/API_TOKEN", schedule: { kind: "every", seconds: 30 * day }, windowSeconds: day, strategy: "single", retries: 3, graceSeconds: 3600 });
    expect(rules[1]).toMatchObject({ schedule: { kind: "cron", expression: "0 3 * * 1" }, windowSeconds: 7200, strategy: "alternating", retries: 5, graceSeconds: 600, owner: "dba" });
    expect(rules[2]!.generator).toEqual({ type: "command", command: ["./bin/new-key", "--quiet"], test: ["./bin/check"] });
  });

  it.each([
    ["both every and cron", `path: a/b\n    every: 1d\n    cron: "0 * * * *"\n    generator: { type: random }\n    owner: x`, /one of every and cron/],
    ["neither", `path: a/b\n    generator: { type: random }\n    owner: x`, /one of every and cron/],
    ["a bad cron", `path: a/b\n    cron: "every tuesday"\n    generator: { type: random }\n    owner: x`, /cron expression/],
    ["no owner", `path: a/b\n    every: 1d\n    generator: { type: random }`, /owner/],
    ["a misspelt field", `path: a/b\n    evry: 1d\n    every: 1d\n    generator: { type: random }\n    owner: x`, /evry|Unrecognized/i],
    ["an unknown generator", `path: a/b\n    every: 1d\n    generator: { type: magic }\n    owner: x`, /generator/],
    ["alternating without postgres", `path: a/b\n    every: 1d\n    strategy: alternating\n    generator: { type: random }\n    owner: x`, /alternating/],
    ["postgres single without username", `path: a/b\n    every: 1d\n    generator: { type: postgres, db_name: main }\n    owner: x`, /username/],
    ["a command as a shell string", `path: a/b\n    every: 1d\n    generator: { type: command, command: "curl x | sh" }\n    owner: x`, /generator/],
  ])("refuses %s (kind config, naming the field)", (_what, rule, message) => {
    let err: unknown;
    try {
      parseRotationPolicy(`rotations:\n  - ${rule}\n`);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ kind: "config" });
    expect(String((err as Error).message)).toMatch(message);
    expect(String((err as Error).message)).toContain(".secrets/rotation.yaml");
  });

  it("matches paths with * within a segment and ** across segments; the first rule wins", () => {
    expect(pathMatches("database/*/password", "database/app/password")).toBe(true);
    expect(pathMatches("database/*/password", "database/a/b/password")).toBe(false);
    expect(pathMatches("database/**/password", "database/a/b/password")).toBe(true);
    expect(pathMatches("database/**/password", "database/password")).toBe(true);
    expect(pathMatches("partners/**", "partners/acme/KEY")).toBe(true);
    expect(pathMatches("app/API_*", "app/API_TOKEN")).toBe(true);
    expect(pathMatches("app/API_*", "app/DB_URL")).toBe(false);
    expect(pathMatches("app.x/K", "appXx/K")).toBe(false);
    const rules = parseRotationPolicy(`rotations:\n  - { path: app/SPECIAL, every: 1d, generator: { type: random }, owner: a }\n  - { path: "app/*", every: 30d, generator: { type: random }, owner: b }\n`);
    expect(ruleFor(rules, "app/SPECIAL")?.owner).toBe("a");
    expect(ruleFor(rules, "app/OTHER")?.owner).toBe("b");
    expect(ruleFor(rules, "web/OTHER")).toBeUndefined();
  });

  it("computes due and overdue for every and cron (UTC)", () => {
    const since = Date.UTC(2026, 0, 5, 12, 0, 0) / 1000; // a Monday, 12:00 UTC
    const every = { schedule: { kind: "every" as const, seconds: 30 * day }, windowSeconds: day };
    expect(scheduleState(every, since, since + 29 * day).state).toBe("ok");
    expect(scheduleState(every, since, since + 30 * day).state).toBe("due");
    expect(scheduleState(every, since, since + 31 * day).state).toBe("overdue");
    const cron = { schedule: { kind: "cron" as const, expression: "0 3 * * 1" }, windowSeconds: 7200 };
    expect(dueAt(cron, since)).toBe(Date.UTC(2026, 0, 12, 3, 0, 0) / 1000);
    expect(scheduleState(cron, since, Date.UTC(2026, 0, 12, 4, 0, 0) / 1000).state).toBe("due");
    expect(scheduleState(cron, since, Date.UTC(2026, 0, 12, 5, 0, 0) / 1000).state).toBe("overdue");
  });

  it("has its JSON Schema in schemas/, up to date", () => {
    expect(readFileSync(join(ROOT, "schemas", "secrets-rotation.schema.json"), "utf8")).toBe(renderRotationJsonSchema());
  });
});

describe("loadRotationPolicy and symbolic links", () => {
  it("reads the policy through a link inside the repository, refuses one that leads out of it", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { loadRotationPolicy } = await import("../../src/rotation/policy.js");
    const dir = mkdtempSync(join(tmpdir(), "rotation-policy-"));
    try {
      const top = join(dir, "repo");
      mkdirSync(join(top, ".secrets"), { recursive: true });
      const policy = "rotations:\n  - path: db/password\n    every: 30d\n    generator: { type: random }\n    owner: team\n";
      writeFileSync(join(top, "kept.yaml"), policy);
      symlinkSync(join(top, "kept.yaml"), join(top, ".secrets", "rotation.yaml"));
      expect(await loadRotationPolicy(top)).toHaveLength(1);
      rmSync(join(top, ".secrets", "rotation.yaml"));
      writeFileSync(join(dir, "outside.yaml"), policy);
      symlinkSync(join(dir, "outside.yaml"), join(top, ".secrets", "rotation.yaml"));
      await expect(loadRotationPolicy(top)).rejects.toMatchObject({ kind: "outside-root" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
