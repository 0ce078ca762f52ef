import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_SECRETS, APP_PLAIN, EXTRA_PLAIN, VALUE_IS_A_NAME, encryptInto, installedAction, writeEncryptedFixture } from "./fixture.js";
import { inspectStage, prepareStep, runStage } from "./runner-harness.js";

/** Which values decrypt mode exports, and under which names: the secrets and files inputs. */

const ACTION = installedAction();

function run(inputs: Record<string, string>, prepare?: (ws: string) => void) {
  const step = prepareStep({ actionDir: ACTION, inputs });
  const fx = writeEncryptedFixture(step.dirs.workspace);
  step.env["INPUT_AGE-KEY"] = fx.ageKey;
  prepare?.(step.dirs.workspace);
  const main = runStage(step, "main");
  const r = inspectStage(step, main, { ...ALL_SECRETS, AGE_IDENTITY: fx.identity }, { notInSummary: VALUE_IS_A_NAME });
  const { "audit-json": audit, "secret-count": count, ...perSecret } = r.outputs.values;
  return { main, r, perSecret, audit: JSON.parse(audit ?? "null"), count };
}

describe("the secrets input", () => {
  it("exports only the selected values, named as given, from the path, or below a named map", () => {
    const { main, r, perSecret, audit } = run({
      secrets: [
        "# deploy secrets",
        "secrets/prod/app.yaml#database.password | DB_PASSWORD",
        "secrets/prod/app.yaml#tls.key",
        "secrets/prod/app.yaml#database | PG",
        'secrets/prod/extra.json#["stripe"]["apiKey"] | STRIPE',
        "secrets/prod/extra.json#hosts.1 | SECOND_HOST",
        "",
      ].join("\n"),
    });
    expect(main.status).toBe(0);
    expect(r.leaks).toEqual([]);
    expect(perSecret).toEqual({
      DB_PASSWORD: APP_PLAIN.database.password,
      TLS_KEY: APP_PLAIN.tls.key,
      PG_PASSWORD: APP_PLAIN.database.password,
      PG_HOST: APP_PLAIN.database.host,
      STRIPE: EXTRA_PLAIN.stripe.apiKey,
      SECOND_HOST: EXTRA_PLAIN.hosts[1],
    });
    // Nothing was exported to the environment (export-env defaults to false), nothing else was masked.
    expect(r.env.values).toEqual({});
    expect(r.registered).not.toContain(APP_PLAIN.unicode);
    expect(audit.files.map((f: { file: string; secrets: string[] }) => [f.file, f.secrets])).toEqual([
      ["secrets/prod/app.yaml", ["DB_PASSWORD", "TLS_KEY", "PG_PASSWORD", "PG_HOST"]],
      ["secrets/prod/extra.json", ["STRIPE", "SECOND_HOST"]],
    ]);
  });

  it("a line without #PATH exports the whole file, under a prefix when named", () => {
    const { main, perSecret } = run({ secrets: "secrets/prod/extra.json | X" });
    expect(main.status).toBe(0);
    expect(perSecret).toEqual({ X_STRIPE_API_KEY: EXTRA_PLAIN.stripe.apiKey, X_HOSTS_0: EXTRA_PLAIN.hosts[0], X_HOSTS_1: EXTRA_PLAIN.hosts[1] });
  });

  it("selecting the same value twice under the same name is not a collision", () => {
    const { main, perSecret } = run({ secrets: "secrets/prod/app.yaml#database.password | P\nsecrets/prod/app.yaml#database.password | P" });
    expect(main.status).toBe(0);
    expect(perSecret).toEqual({ P: APP_PLAIN.database.password });
  });
});

describe("the files input and working-directory", () => {
  it("decrypts the files the globs match, minus !exclusions", () => {
    const { main, perSecret, audit } = run({ files: "secrets/**/*.json\nsecrets/prod/*.yaml\n!secrets/prod/app.*" });
    expect(main.status).toBe(0);
    expect(audit.files.map((f: { file: string }) => f.file)).toEqual(["secrets/prod/extra.json"]);
    expect(Object.keys(perSecret)).toEqual(["STRIPE_API_KEY", "HOSTS_0", "HOSTS_1"]);
  });

  it("names camelCase, punctuation and leading digits as UPPER_SNAKE", () => {
    const { main, perSecret } = run({ files: "secrets/prod/names.yaml" }, (ws) =>
      encryptInto(ws, "secrets/prod/names.yaml", 'apiKey: a1\nHTTPServer: a2\n"my-key.v2": a3\n2fa: a4\nnested:\n    - {x: a5}\n'),
    );
    expect(main.status).toBe(0);
    expect(perSecret).toEqual({ API_KEY: "a1", HTTP_SERVER: "a2", MY_KEY_V2: "a3", _2FA: "a4", NESTED_0_X: "a5" });
  });

  it("resolves paths and finds .sops.yaml from working-directory; the audit names files from the workspace", () => {
    const { main, audit, count } = run({ "working-directory": "deploy" }, (ws) => {
      mkdirSync(join(ws, "deploy"));
      for (const f of [".sops.yaml", "secrets"]) renameSync(join(ws, f), join(ws, "deploy", f));
    });
    expect(main.status).toBe(0);
    expect(count).toBe(String(Object.keys(ALL_SECRETS).length));
    expect(audit.files.map((f: { file: string }) => f.file)).toEqual(["deploy/secrets/prod/app.yaml", "deploy/secrets/prod/extra.json"]);
    expect(audit.files[0].encryptedTo[0].name).toBe("deploy");
  });
});
