/**
 * The workspace the Action tests decrypt: a `.sops.yaml`, fresh age identities, and secret files
 * encrypted with the project's CLI (dist/cli.js, built by test/global-setup.ts), holding the awkward
 * values of the testing guide (docs/testing-the-action.md §3.1).
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { CLI, ROOT } from "../helpers/cli.js";

const PEM = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const JSON_DOC = JSON.stringify({ type: "service_account", private_key_id: "k3y-1d", note: 'say "hi" {now}', scopes: ["a", "b"] }, null, 2);

/** The plaintext of secrets/prod/app.yaml. */
export const APP_PLAIN = {
  database: { password: "s3cr3t-Passw0rd!", host: "db.internal.example" },
  tls: { key: PEM },
  service_account: JSON_DOC,
  injection: "first line\r\nEOF\r\nX=y\r\nPAD<<EOF\r\nlast line of the value",
  delimiter: "before\nghadelimiter_00000000-0000-0000-0000-000000000000\nINJECTED=1\nafter the delimiter",
  percent: "100%25 sure%0Anot-a-newline %",
  unicode: "pässwörd-日本語-🔑-Ωmega",
  odd_length: "tok_4f8a9c2e1b",
  // A value equal to the name of another secret: the summary lists that name, and the runner masks it there.
  alias: "DATABASE_HOST",
  short: "q7",
  commands: "x ##[stop-commands]tok1 ::add-mask::y ::stop-commands::tok2",
  port: 5432,
};

/** The plaintext of secrets/prod/extra.json. */
export const EXTRA_PLAIN = { stripe: { apiKey: "sk_live_51Hx9fQ2eZvKYlo2C0abcdef" }, hosts: ["h-one.example", "h-two.example"] };

/** Every exported name and value when both files are exported whole. */
export const ALL_SECRETS: Record<string, string> = {
  DATABASE_PASSWORD: APP_PLAIN.database.password,
  DATABASE_HOST: APP_PLAIN.database.host,
  TLS_KEY: PEM,
  SERVICE_ACCOUNT: JSON_DOC,
  INJECTION: APP_PLAIN.injection,
  DELIMITER: APP_PLAIN.delimiter,
  PERCENT: APP_PLAIN.percent,
  UNICODE: APP_PLAIN.unicode,
  ODD_LENGTH: APP_PLAIN.odd_length,
  ALIAS: APP_PLAIN.alias,
  SHORT: APP_PLAIN.short,
  COMMANDS: APP_PLAIN.commands,
  PORT: "5432",
  STRIPE_API_KEY: EXTRA_PLAIN.stripe.apiKey,
  HOSTS_0: EXTRA_PLAIN.hosts[0]!,
  HOSTS_1: EXTRA_PLAIN.hosts[1]!,
};

/** Secrets whose value may appear in the summary (it equals a listed name). */
export const VALUE_IS_A_NAME = ["ALIAS"];

export interface Fixture {
  /** The deploy key as age-keygen writes it: comment lines and the AGE-SECRET-KEY-1… line. */
  ageKey: string;
  identity: string;
  recipient: string;
  /** A second recipient of every file (named `alice` in .sops.yaml), whose identity the Action never gets. */
  otherRecipient: string;
  otherAgeKey: string;
  /** An identity that is no recipient of any file. */
  strangerAgeKey: string;
  strangerRecipient: string;
}

function cli(args: string[], cwd: string, home: string): string {
  return execFileSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, ".config") },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

let template: { dir: string; fixture: Fixture } | undefined;

/** Builds the encrypted workspace once per test file, then copies it into each workspace asked for. */
export function writeEncryptedFixture(workspace: string): Fixture {
  if (!template) {
    const dir = mkdtempSync(join(tmpdir(), "action-fixture-"));
    const home = join(dir, "home");
    const ws = join(dir, "ws");
    mkdirSync(home);
    mkdirSync(join(ws, "secrets", "prod"), { recursive: true });
    const keyFile = (name: string) => {
      const path = join(dir, `${name}.txt`);
      const recipient = cli(["keygen", "-o", path], dir, home).trim();
      return { recipient, text: readFileSync(path, "utf8") };
    };
    const deploy = keyFile("deploy");
    const alice = keyFile("alice");
    const stranger = keyFile("stranger");
    writeFileSync(
      join(ws, ".sops.yaml"),
      [
        "keys:",
        `  - &deploy ${deploy.recipient}`,
        `  - &alice ${alice.recipient}`,
        "creation_rules:",
        '  - path_regex: "(^|/)secrets/"',
        "    key_groups:",
        "      - age:",
        "          - *deploy",
        "          - *alice",
        "",
      ].join("\n"),
    );
    writeFileSync(join(ws, "secrets", "prod", "app.yaml"), YAML.stringify(APP_PLAIN));
    writeFileSync(join(ws, "secrets", "prod", "extra.json"), JSON.stringify(EXTRA_PLAIN, null, 2) + "\n");
    cli(["encrypt", "-i", "secrets/prod/app.yaml"], ws, home);
    cli(["encrypt", "-i", "secrets/prod/extra.json"], ws, home);
    // Covered by the rule but not encrypted: skipped when `files` is left to the policy.
    writeFileSync(join(ws, "secrets", "README.md"), "How to add a secret: see docs.\n");
    writeFileSync(join(ws, "README.md"), "app\n");
    const identity = deploy.text.split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-"))!;
    template = {
      dir: ws,
      fixture: { ageKey: deploy.text, identity, recipient: deploy.recipient, otherRecipient: alice.recipient, otherAgeKey: alice.text, strangerAgeKey: stranger.text, strangerRecipient: stranger.recipient },
    };
  }
  cpSync(template.dir, workspace, { recursive: true });
  return template.fixture;
}

/** Writes `plain` to `rel` in the workspace and encrypts it in place to the fixture's recipients (.sops.yaml rule). */
export function encryptInto(workspace: string, rel: string, plain: string): void {
  const home = mkdtempSync(join(tmpdir(), "action-fixture-home-"));
  writeFileSync(join(workspace, rel), plain);
  cli(["encrypt", "-i", rel], workspace, home);
}

/**
 * The Action as the runner gets it, copied away from the repository: action.yml and dist/ only, under
 * a package.json that makes .js ESM (the repository root's does that on a real runner). No
 * node_modules is reachable from there, so the tests also prove the bundle is self-contained.
 */
export function installedAction(): string {
  const dir = mkdtempSync(join(tmpdir(), "installed-action-"));
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  cpSync(join(ROOT, "action", "action.yml"), join(dir, "action.yml"));
  cpSync(join(ROOT, "action", "dist"), join(dir, "dist"), { recursive: true });
  return dir;
}

