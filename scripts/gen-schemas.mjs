#!/usr/bin/env node
/**
 * Writes schemas/sops-config.schema.json from the zod schema in src/policy/schema.ts, and
 * schemas/vault-policy.schema.json (a Vault ACL policy file) from src/auth/policy/schema.ts, and
 * schemas/secrets-tokens.schema.json (the repository's token file, .secrets/tokens.yaml) from
 * src/auth/tokens/repository-file-schema.ts, and the JWT auth method's files
 * (.secrets/auth/<mount>/config.yaml and roles/<name>.yaml) from src/auth/jwt/config-schema.ts and
 * src/auth/jwt/role-schema.ts, and schemas/database-connection.schema.json and
 * schemas/database-role.schema.json and
 * schemas/database-static-role.schema.json (the database engine's files under .secrets/engines/database/)
 * from src/engines/postgres/schema.ts, schemas/identity-oidc-{config,key,role}.schema.json (the
 * identity OIDC files under .secrets/engines/identity/oidc/) from src/identity/schema.ts,
 * schemas/secrets-rotation.schema.json (the rotation policy, .secrets/rotation.yaml) from
 * src/rotation/schema.ts, and schemas/aws-config.schema.json and schemas/aws-role.schema.json (the
 * AWS engine's files under .secrets/engines/aws/) from src/engines/aws/schema.ts.
 *
 * Plain node (no tsx): esbuild bundles schema.ts and what it imports (zod included) into memory, and
 * the bundle is imported from a data: URL, so no temp file is written. `--check` exits 1 when the
 * committed file is stale instead of rewriting it.
 *
 *   npm run schemas            # regenerate
 *   npm run schemas -- --check # CI: fail when stale
 */
import { build } from "esbuild";
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Each generated file: the module holding the zod schema and its render function. */
const targets = [
  { out: join(root, "schemas", "sops-config.schema.json"), entry: join(root, "src", "policy", "schema.ts"), render: "renderJsonSchema" },
  { out: join(root, "schemas", "vault-policy.schema.json"), entry: join(root, "src", "auth", "policy", "schema.ts"), render: "renderPolicyJsonSchema" },
  { out: join(root, "schemas", "secrets-tokens.schema.json"), entry: join(root, "src", "auth", "tokens", "repository-file-schema.ts"), render: "renderTokenFileJsonSchema" },
  { out: join(root, "schemas", "secrets-jwt-config.schema.json"), entry: join(root, "src", "auth", "jwt", "config-schema.ts"), render: "renderJwtConfigJsonSchema" },
  { out: join(root, "schemas", "secrets-jwt-role.schema.json"), entry: join(root, "src", "auth", "jwt", "role-schema.ts"), render: "renderJwtRoleJsonSchema" },
  { out: join(root, "schemas", "database-connection.schema.json"), entry: join(root, "src", "engines", "postgres", "schema.ts"), render: "renderConnectionJsonSchema" },
  { out: join(root, "schemas", "database-role.schema.json"), entry: join(root, "src", "engines", "postgres", "schema.ts"), render: "renderRoleJsonSchema" },
  { out: join(root, "schemas", "database-static-role.schema.json"), entry: join(root, "src", "engines", "postgres", "schema.ts"), render: "renderStaticRoleJsonSchema" },
  { out: join(root, "schemas", "pki-role.schema.json"), entry: join(root, "src", "engines", "pki", "role-schema.ts"), render: "renderPkiRoleJsonSchema" },
  { out: join(root, "schemas", "aws-config.schema.json"), entry: join(root, "src", "engines", "aws", "schema.ts"), render: "renderAwsConfigJsonSchema" },
  { out: join(root, "schemas", "aws-role.schema.json"), entry: join(root, "src", "engines", "aws", "schema.ts"), render: "renderAwsRoleJsonSchema" },
  { out: join(root, "schemas", "identity-oidc-config.schema.json"), entry: join(root, "src", "identity", "schema.ts"), render: "renderOidcConfigJsonSchema" },
  { out: join(root, "schemas", "identity-oidc-key.schema.json"), entry: join(root, "src", "identity", "schema.ts"), render: "renderOidcKeyJsonSchema" },
  { out: join(root, "schemas", "identity-oidc-role.schema.json"), entry: join(root, "src", "identity", "schema.ts"), render: "renderOidcRoleJsonSchema" },
  { out: join(root, "schemas", "secrets-rotation.schema.json"), entry: join(root, "src", "rotation", "schema.ts"), render: "renderRotationJsonSchema" },
];

let stale = false;
for (const { out, entry, render } of targets) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const code = result.outputFiles[0].text;
  const mod = await import("data:text/javascript;base64," + Buffer.from(code).toString("base64"));
  const text = mod[render]();

  if (process.argv.includes("--check")) {
    const current = await readFile(out, "utf8").catch(() => "");
    if (current !== text) {
      console.error(`${out} is stale: run \`npm run schemas\``);
      stale = true;
    } else {
      console.log(`${out} is up to date`);
    }
  } else {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, text);
    console.log(`wrote ${out}`);
  }
}
if (stale) process.exit(1);
