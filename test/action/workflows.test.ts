import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { ROOT } from "../helpers/cli.js";
import { PROGRAMS } from "../interop/programs.mjs";

/**
 * The shipped workflows: the project's CI runs .ci/run on Node 20 and 24 and checks action/dist; the
 * examples use only inputs the Action declares, and only outputs it sets (fixed ones are declared;
 * per-secret outputs are UPPER_SNAKE names).
 */

const DIR = join(ROOT, ".github", "workflows");
const action = YAML.parse(readFileSync(join(ROOT, "action", "action.yml"), "utf8"));
type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; if?: string; env?: Record<string, string> };
type Workflow = { on: unknown; jobs: Record<string, { "runs-on": string; strategy?: { matrix?: { node?: number[] } }; steps: Step[] }> };
const load = (f: string) => YAML.parse(readFileSync(join(DIR, f), "utf8")) as Workflow;

describe(".github/workflows", () => {
  it("ci.yml runs .ci/run on ubuntu with Node 20 and 24, then checks that action/dist is fresh", () => {
    const job = load("ci.yml").jobs.test!;
    expect(job["runs-on"]).toBe("ubuntu-latest");
    expect(job.strategy?.matrix?.node).toEqual([20, 24]);
    const runs = job.steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toContain("bash .ci/run");
    // Every program test:interop needs is installed on the runner before .ci/run, which runs both suites.
    for (const p of PROGRAMS) expect(runs).toMatch(new RegExp(`sudo apt-get install -y -qq [^\n]*\\b${p.aptPackage}\\b`));
    const ciRun = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    expect(ciRun).toMatch(/^npm test\b/m);
    expect(ciRun).toMatch(/^npm run test:interop\b/m);
    expect(runs).toContain("git diff --exit-code --ignore-space-at-eol -- action/dist");
  });

  const examples = readdirSync(DIR).filter((f) => f.startsWith("example-"));
  it("ships the deploy, policy-review and verify examples", () => {
    expect(examples.sort()).toEqual(["example-deploy.yml", "example-policy-review.yml", "example-verify.yml"]);
  });

  it.each(examples)("%s uses only declared inputs and known outputs", (file) => {
    const wf = load(file);
    const text = readFileSync(join(DIR, file), "utf8");
    const ours = Object.values(wf.jobs).flatMap((j) => j.steps).filter((s) => s.uses?.includes("gitops-secrets/action@"));
    expect(ours.length).toBeGreaterThan(0);
    for (const s of ours) for (const k of Object.keys(s.with ?? {})) expect(Object.keys(action.inputs), `${file}: input ${k}`).toContain(k);
    for (const m of text.matchAll(/steps\.[a-z-]+\.outputs\.([A-Za-z0-9_-]+)/g)) {
      const name = m[1]!;
      expect(Object.keys(action.outputs).includes(name) || /^[A-Z_][A-Z0-9_]*$/.test(name), `${file}: output ${name}`).toBe(true);
    }
  });
});
