import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { fixturePath, INTEROP } from "../helpers/fixtures.js";

/**
 * Every age-encrypted file in test/fixtures/sops-age, decrypted by `secrets decrypt` with the
 * identity its project published, gives the plaintext MANIFEST.md states. Keys go in through each of
 * sops' sources (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY, the default key file).
 */

const keys = {
  humphd: "humphd-sops-age/key.txt",
  nix: "sops-nix/age-keys.txt",
  helm: "helm-secrets/key.txt",
  flux: "fluxcd-kustomize-controller/keys/age.txt",
  fluxPq: "fluxcd-kustomize-controller/keys/age-pq.txt",
  fluxGlobal: "fluxcd-kustomize-controller/keys/age-global.txt",
  isindir: "isindir-sops-secrets-operator/key-file.txt",
  rops: "gibbz00-rops/key.txt",
};

type Case = { file: string; key: keyof typeof keys; expected: unknown; args?: string[] };
const k8s = (data: Record<string, string>) => expect.objectContaining({ stringData: data });
const humphd = { secret: "this is a secret", string: "string", int: 7, float: 3.14, boolean: true, complex: { value: "this is a secret", array: ["one", "two", "three"] } };

const cases: Case[] = [
  { file: "humphd-sops-age/secret.enc.yaml", key: "humphd", expected: humphd },
  { file: "humphd-sops-age/secret.enc.json", key: "humphd", expected: { ...humphd, "0word": "gotta match go" } },
  { file: "humphd-sops-age/secret.enc.env", key: "humphd", expected: { secret: "this is a secret", another_secret: "7" } },
  { file: "humphd-sops-age/secret.enc.ini", key: "humphd", expected: { DEFAULT: { secret: "this is a secret" }, complex: { string: "string" } } },
  { file: "humphd-sops-age/history/secret.v1.enc.yaml", key: "humphd", expected: { secret: "this is a secret" } },
  { file: "humphd-sops-age/history/secret.v1.enc.json", key: "humphd", expected: { secret: "this is a secret", string: "string", int: 7, float: 3.14, boolean: true, complex: { value: "this is a secret", array: ["one", "two", "three"] } } },
  { file: "humphd-sops-age/history/secret.v1.enc.env", key: "humphd", expected: { secret: '"this is a secret"' } },
  { file: "humphd-sops-age/history/secret.v1.enc.ini", key: "humphd", expected: { DEFAULT: { secret: "this is a secret" } } },
  { file: "sops-nix/secrets.yaml", key: "nix", expected: { test_key: "test_value", a_list: ["e1", "e3"], nested: { test: { file: "another value" } } } },
  { file: "helm-secrets/secrets.age.yaml", key: "helm", expected: expect.objectContaining({ global_secret: "global_age", service: expect.objectContaining({ port: 92 }) }) },
  { file: "fluxcd-kustomize-controller/algorithms-age.yaml", key: "flux", expected: k8s({ key: "value" }) },
  { file: "fluxcd-kustomize-controller/algorithms-age-pq.yaml", key: "fluxPq", expected: k8s({ key: "value" }) },
  { file: "fluxcd-kustomize-controller/global-secret.yaml", key: "fluxGlobal", expected: k8s({ key: "global-value" }) },
  { file: "fluxcd-kustomize-controller/patches-merge1.yaml", key: "flux", expected: k8s({ key: "merge1" }) },
  { file: "fluxcd-kustomize-controller/patches-merge2.yaml", key: "flux", expected: k8s({ merge2: "merge2" }) },
  { file: "fluxcd-kustomize-controller/envs-env.env", key: "flux", expected: { key: "value" } },
  { file: "fluxcd-kustomize-controller/component-env.env", key: "flux", expected: { key: "value" } },
  { file: "isindir-sops-secrets-operator/02-test-secrets.yaml", key: "isindir", expected: expect.objectContaining({ kind: "SopsSecret" }) },
  { file: "isindir-sops-secrets-operator/03-test-secrets-enforce-ownership.yaml", key: "isindir", expected: expect.objectContaining({ kind: "SopsSecret" }) },
  { file: "isindir-sops-secrets-operator/04-test-secrets-mac-only.yaml", key: "isindir", expected: expect.objectContaining({ spec: { secretTemplates: [{ name: "test-mac-only-token", stringData: { token: "macOnlyEncryptedPlaintextValue1234567890" } }] } }) },
  { file: "gibbz00-rops/age_example.yaml", key: "rops", expected: { hello: "Welcome to SOPS! Edit this file as you please!", example_key: "example_value", example_array: ["example_value1", "example_value2"], example_number: 1234.56789, example_booleans: [true, false] } },
];

let sb: Sandbox;
beforeAll(() => {
  sb = new Sandbox({ git: false });
});
afterAll(() => sb.cleanup());

function plainOf(c: Case, stdout: string): unknown {
  if (c.file.endsWith(".env")) return Object.fromEntries(stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  if (c.file.endsWith(".ini")) {
    const out: Record<string, Record<string, string>> = { DEFAULT: {} };
    let sec = "DEFAULT";
    for (const l of stdout.split("\n")) {
      const h = /^\[(.+)\]$/.exec(l);
      if (h) sec = h[1]!;
      else if (l.includes("=")) (out[sec] ??= {})[l.slice(0, l.indexOf("=")).trim()] = l.slice(l.indexOf("=") + 1).trim();
    }
    return out;
  }
  return JSON.parse(stdout);
}

describe("secrets decrypt opens every age fixture with its published key", () => {
  for (const c of cases) {
    it(c.file, async () => {
      const asJson = c.file.endsWith(".yaml") || c.file.endsWith(".json");
      const args = ["decrypt", ...(asJson ? ["--output-type", "json"] : []), fixturePath(c.file)];
      const r = await sb.run(args, { env: { SOPS_AGE_KEY_FILE: fixturePath(keys[c.key]) } });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(plainOf(c, r.stdout)).toEqual(c.expected);
    });
  }

  it("binary store: flux files-file.txt gives the raw bytes", async () => {
    const r = await sb.run(["decrypt", "--input-type", "json", "--output-type", "binary", fixturePath("fluxcd-kustomize-controller/files-file.txt")], {
      env: { SOPS_AGE_KEY_FILE: fixturePath(keys.flux) },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("value");
  });

  it("keys work from SOPS_AGE_KEY and from the default key file too", async () => {
    const key = readFileSync(fixturePath(keys.nix), "utf8");
    const file = fixturePath("sops-nix/secrets.yaml");
    const viaEnv = await sb.run(["decrypt", file], { env: { SOPS_AGE_KEY: key } });
    expect(viaEnv.code).toBe(0);
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(`${sb.dir}/config/sops/age`, { recursive: true });
    writeFileSync(`${sb.dir}/config/sops/age/keys.txt`, key, { mode: 0o600 });
    const viaDefault = await sb.run(["decrypt", file]);
    expect(viaDefault.code).toBe(0);
    expect(viaDefault.stdout).toBe(viaEnv.stdout);
  });

  it("the tampered fixture fails like sops: a value fails authentication, exit 25, nothing on stdout", async () => {
    const r = await sb.run(["decrypt", fixturePath("isindir-sops-secrets-operator/01-test-secrets.yaml")], { env: { SOPS_AGE_KEY_FILE: fixturePath(keys.isindir) } });
    expect(r.code).toBe(25);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("01-test-secrets.yaml");
  });

  it("a wrong key: exit 128, one line naming the file and its recipients", async () => {
    const r = await sb.run(["decrypt", fixturePath("sops-nix/secrets.yaml")], { env: { SOPS_AGE_KEY_FILE: fixturePath(keys.humphd), XDG_CONFIG_HOME: `${sb.dir}/empty` } });
    expect(r.code).toBe(128);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("secrets.yaml");
    expect(r.stderr).toContain("age1");
    expect(r.stderr).not.toMatch(/AGE-SECRET-KEY/);
  });

  it("the fixtures are untouched (SHA256SUMS)", () => {
    // `sha256sum --check`, in Node so that npm test needs no coreutils.
    const lines = readFileSync(join(INTEROP, "SHA256SUMS"), "utf8").trim().split("\n");
    expect(lines.length).toBeGreaterThan(70);
    for (const line of lines) {
      const [, sum, name] = /^([0-9a-f]{64}) [ *](.+)$/.exec(line)!;
      expect(createHash("sha256").update(readFileSync(join(INTEROP, name!))).digest("hex"), name).toBe(sum);
    }
  });
});
