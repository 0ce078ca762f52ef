import { writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { classifyValue } from "../../src/dotenv-import/classify.js";
import { scanText } from "../../src/git/scan.js";
import { credentialKinds, urlCredential } from "../../src/util/credentials.js";
import { Sandbox } from "../helpers/cli.js";

/**
 * One classifier for `secrets check --staged` and `secrets import` (util/credentials.ts): a URL with a
 * password is a secret for both, `postgres://user:pass@host` included, and check names the line and
 * the kind, never the value.
 */

const URLS = ["postgres://user:pass@host", "postgresql://user:password@host/db", "mysql://app:Sup3r%40S3cret@db:3306/x", "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/1"];
const NOT_CREDENTIALS = ["postgres://user:${DB_PASSWORD}@host/db", "https://user:<password>@host/x", "postgres://u:***@h", "ssh://git@github.com/org/repo.git", "https://user@bitbucket.org/x", "redis://cache:6379/0", "https://api.example.com/v1"];

describe("urlCredential", () => {
  it("flags userinfo passwords (literal pass/password included) and key-like users; not templates, masks or login names", () => {
    for (const u of URLS) expect(urlCredential(u), u).toBeDefined();
    for (const u of NOT_CREDENTIALS) expect(urlCredential(u), u).toBeUndefined();
    expect(urlCredential("postgres://user:pass@host")).toBe("a URL with a password");
  });

  it("import and check agree: every value check flags in a line, import classifies as a secret", () => {
    const lines = [...URLS, "sk-proj-abcdefghijklmnopqrstuvwxyz012345", "ghp_0123456789abcdefghijABCDEFGHIJ012345", "AKIAIOSFODNN7EXAMPLE", "-----BEGIN OPENSSH PRIVATE KEY-----"];
    for (const v of lines) {
      expect(scanText(`X=${v}`).length, v).toBeGreaterThan(0);
      expect(classifyValue(v), v).toBeDefined();
    }
    for (const v of NOT_CREDENTIALS) {
      expect(scanText(`X=${v}`), v).toEqual([]);
      expect(credentialKinds(v), v).toEqual([]);
    }
  });
});

describe("secrets check --staged", () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = new Sandbox();
  });
  afterEach(() => sb.cleanup());

  it("refuses both postgres URLs in a staged .env and a staged YAML config, naming file:line and kind only", async () => {
    writeFileSync(sb.path(".env"), "A=1\nDATABASE_URL=postgres://user:pass@host\nOTHER=postgresql://user:password@host/db\nTEMPLATE=postgres://user:${DB_PASSWORD}@host/db\n");
    writeFileSync(sb.path("config.yaml"), "db:\n  url: \"postgresql://user:password@host/db\"\n");
    sb.git("add", ".env", "config.yaml");
    const c = await sb.run(["check", "--staged"]);
    expect(c.code).toBe(41);
    expect(c.stderr.split("\n").slice(0, 3)).toEqual([
      ".env:2: looks like a URL with a password; keep it in an encrypted secrets file",
      ".env:3: looks like a URL with a password; keep it in an encrypted secrets file",
      "config.yaml:2: looks like a URL with a password; keep it in an encrypted secrets file",
    ]);
    expect(c.stderr).not.toMatch(/user:pass|password@|postgres:\/\//);
    expect(c.stderr.trim().split("\n").pop()).toMatch(/^secrets: commit refused: 3 problems in 2 staged files/);
  });
});
