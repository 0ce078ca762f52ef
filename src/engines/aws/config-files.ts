/**
 * Where the AWS engine's configuration lives in the repository, and how it is read:
 *
 *     .secrets/engines/<mount>/config/root.yaml   the root configuration (sops-encrypted: the secret key)
 *     .secrets/engines/<mount>/roles/<role>.yaml  a role (plaintext, reviewed like code)
 *
 * as Vault's `aws/config/root` and `aws/roles/:name`. `<mount>` is `aws` unless the server mounts
 * the engine elsewhere. Like the database engine's files (../postgres/config-files.ts) they live
 * under `.secrets/`, not under the secrets root, so the KV API never serves the secret key and
 * `secrets run`/`export` never inject it.
 *
 * The root file is read through the Workspace's SecretRepository (the same identities open it; a
 * file that is not encrypted is refused). It is optional: without it, or without keys in it, the
 * engine has no key of its own and assumes roles with a web identity token. Both files are read
 * per use, so a merged pull request applies to the next request.
 */
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { SecretsError } from "../../errors.js";
import { toSecretValue } from "../../secrets/entries.js";
import { displayPath, soleFileFor } from "../../secrets/resolve.js";
import { Branch } from "../../sops/tree.js";
import { parseWith } from "../../util/zod-error.js";
import type { Workspace } from "../../workspace/workspace.js";
import { soleRoleFile } from "../role-file.js";
import { CONNECTIONS_FOLDER, ROLES_FOLDER } from "../postgres/config-files.js";
import { EngineObjectName } from "../postgres/schema.js";
import { AwsRoleFile, AwsRootConfigFile, type AwsCredentialType } from "./schema.js";

/** The root configuration's name: `config/root.yaml` (Vault's `aws/config/root`). */
export const ROOT_CONFIG_NAME = "root";

/** Vault's default region (path_config_root.go: AWS_REGION, AWS_DEFAULT_REGION, then us-east-1). */
export const DEFAULT_REGION = "us-east-1";

/** The root configuration as the engine uses it. `secretKey` goes to the request signer and nowhere else. */
export interface AwsRootConfig {
  /** Null with no keys: the engine then needs a web identity token. */
  keys: { accessKey: string; secretKey: string } | null;
  region: string;
  /** Null: the SDK's endpoint for the region. */
  stsEndpoint: string | null;
  /** The region STS requests are signed for. */
  stsRegion: string;
  /** SDK attempts in all; null: the SDK's default. */
  maxAttempts: number | null;
}

/** A role as the engine uses it: durations in seconds, lists as lists. */
export interface AwsRole {
  name: string;
  credentialType: AwsCredentialType;
  roleArns: string[];
  policyArns: string[];
  policyDocument: string;
  /** Seconds; 0: Vault's 3600. */
  defaultStsTtl: number;
  /** Seconds; 0: the system maximum (768h). */
  maxStsTtl: number;
  sessionTags: Record<string, string>;
  externalId: string;
  mfaSerialNumber: string;
}

/** What the engine reads its configuration from (the repository here; a test may give its own). */
export interface AwsConfigSource {
  /** The role, or null when no file configures it. Kind `config` when the file is invalid. */
  role(name: string): Promise<AwsRole | null>;
  /** The root configuration; defaults (no keys, us-east-1) when there is no file. Kind `config` when invalid. */
  root(): Promise<AwsRootConfig>;
}

function list(v: string | string[] | undefined): string[] {
  return (v === undefined ? [] : typeof v === "string" ? v.split(",") : v).map((s) => s.trim()).filter((s) => s !== "");
}

function seconds(d: number | string | undefined): number {
  if (d === undefined) return 0;
  if (typeof d === "number") return d;
  const parsed = parseDurationSeconds(d);
  return "seconds" in parsed ? Math.floor(parsed.seconds) : 0;
}

/** A JSON policy compacted as Vault stores it (compactJSON). */
function compact(doc: string | undefined): string {
  return doc ? JSON.stringify(JSON.parse(doc)) : "";
}

export interface RepositoryAwsConfigOptions {
  /** The engine's folder (engineFolder() of ../postgres/config-files.ts). */
  folder: string;
  /** Whose identities open the root configuration. */
  workspace: Workspace;
}

export class RepositoryAwsConfig implements AwsConfigSource {
  readonly folder: string;
  readonly #workspace: Workspace;

  constructor(options: RepositoryAwsConfigOptions) {
    this.folder = options.folder;
    this.#workspace = options.workspace;
  }

  async role(name: string): Promise<AwsRole | null> {
    if (!EngineObjectName.safeParse(name).success) throw new SecretsError("usage", "invalid role name (letters, digits, '_', '-' and '.')");
    const file = await soleRoleFile(this.folder, join(this.folder, ROLES_FOLDER), name);
    if (file === null) return null;
    const shown = displayPath(file);
    let raw: unknown;
    try {
      raw = parseYaml(await fsp.readFile(file, "utf8")) ?? {};
    } catch (e) {
      throw new SecretsError(e instanceof Error && e.name === "YAMLParseError" ? "config" : "read-input", `${shown} is not valid YAML or could not be read`);
    }
    const parsed = parseWith(AwsRoleFile, raw, ([issue]) => new SecretsError("config", `${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
    return {
      name,
      credentialType: parsed.credential_type,
      roleArns: list(parsed.role_arns),
      policyArns: list(parsed.policy_arns),
      policyDocument: compact(parsed.policy_document),
      defaultStsTtl: seconds(parsed.default_sts_ttl),
      maxStsTtl: seconds(parsed.max_sts_ttl),
      sessionTags: parsed.session_tags ?? {},
      externalId: parsed.external_id ?? "",
      mfaSerialNumber: parsed.mfa_serial_number ?? "",
    };
  }

  async root(): Promise<AwsRootConfig> {
    const folder = join(this.folder, CONNECTIONS_FOLDER);
    const file = soleFileFor(folder, [ROOT_CONFIG_NAME]);
    if (file === null) return { keys: null, region: DEFAULT_REGION, stsEndpoint: null, stsRegion: DEFAULT_REGION, maxAttempts: null };
    const shown = displayPath(file);
    const repo = await this.#workspace.repository(folder);
    const opened = await repo.openFile(file);
    const plain = toSecretValue(opened.doc.branches[0] ?? new Branch(), opened.doc.metadata.encryptionRule);
    // The messages name the field and zod's reason, never what the field holds (the secret key).
    const parsed = parseWith(AwsRootConfigFile, plain, ([issue]) => new SecretsError("config", `${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
    const region = parsed.region ?? DEFAULT_REGION;
    return {
      keys: parsed.access_key !== undefined && parsed.secret_key !== undefined ? { accessKey: parsed.access_key, secretKey: parsed.secret_key } : null,
      region,
      stsEndpoint: parsed.sts_endpoint ?? null,
      stsRegion: parsed.sts_region ?? region,
      maxAttempts: parsed.max_retries === undefined || parsed.max_retries < 0 ? null : parsed.max_retries + 1,
    };
  }
}
