/**
 * The `pki` secrets engine as a server mount (Vault's builtin/logical/pki paths): a thin router
 * over the library's {@link PkiEngine} (src/engines/pki/engine.ts), answering Vault's envelope.
 *
 *     root/generate/internal|exported       new root CA (exported: its key in the answer, once)
 *     root/sign-intermediate                sign another CA's CSR
 *     intermediate/generate/internal|exported, intermediate/set-signed
 *     roles/ (LIST), roles/:name (read, write, delete)
 *     issue/:role, sign/:role               a certificate (issue: with a new key)
 *     revoke                                a serial onto the CRL
 *     cert/ca, cert/:serial                 JSON
 *     ca, ca/pem, crl, crl/pem              raw DER or PEM, without a token (Vault's unauthenticated paths)
 *
 * Writes (a new CA, a role, a revocation) are commits by the token's display name, under the
 * files' locks (src/server/config/commit-config.ts), so they go through the same review history as
 * any repository change. Issuing makes no commit: issued certificates are recorded in the state
 * directory (issued-records.ts). The request goes through the handler's token, ACL and audit as
 * every mount's does; issued private keys are response data, which the audit log HMACs.
 */
import { SecretsError } from "../../errors.js";
import { PkiEngine } from "../../engines/pki/engine.js";
import { DirectoryIssuedRecords } from "../../engines/pki/issued-records.js";
import { RepositoryPkiStore, type Committer } from "../../engines/pki/store.js";
import { commitConfig } from "../config/commit-config.js";
import type { MountDeclaration } from "../config/mount-table.js";
import type { SecretsEngineEntry } from "../config/mounts-file.js";
import { envelope } from "../envelope.js";
import { bodyFields } from "../framework-fields.js";
import type { KvWriteContext } from "../kv/write-context.js";
import { errorReply, requestErrorsAsResponses, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION, UNSUPPORTED_PATH } from "../vault-errors.js";
import { envelopeJson } from "../vault-json.js";
import type { LogicalRequest, Mount } from "./mount.js";

export const PKI_MOUNT_TYPE = "pki";

/** Vault's role names (framework.GenericNameRegex). */
const NAME = String.raw`\w(?:[\w.-]*\w)?`;
const ROLE = new RegExp(`^roles/(${NAME})$`);
const ISSUE = new RegExp(`^(issue|sign)/(${NAME})$`);
const GENERATE = /^(root|intermediate)\/generate\/(internal|exported)$/;
const CERT = /^cert\/([0-9a-fA-F]{2}(?:[:-][0-9a-fA-F]{2})*)$/;

/** pki backend.go PathsSpecial.Unauthenticated, the paths of them served here. */
const UNAUTHENTICATED = /^(ca|ca\/pem|crl|crl\/pem|cert\/.*)$/;

export interface PkiMountDeps {
  readonly writes: KvWriteContext;
  readonly stateDir: string;
}

/** The factory of `pki` mounts (open.ts: `factories.secrets.pki`): the mount's TTLs from its declared `config`. */
export function pkiFactory(deps: PkiMountDeps): (d: MountDeclaration<SecretsEngineEntry>) => Mount {
  return ({ point, entry }) => {
    const name = point.slice(0, -1);
    const store = new RepositoryPkiStore({ top: deps.writes.repo.top, mount: name, keys: () => deps.writes.workspace.keys(), creation: deps.writes.workspace });
    const engine = new PkiEngine({
      mount: name,
      store,
      records: new DirectoryIssuedRecords(deps.stateDir, name),
      ttls: { defaultTtl: entry.config?.default_lease_ttl ?? 0, maxTtl: entry.config?.max_lease_ttl ?? 0 },
    });
    return pkiMount(point, engine, deps.writes);
  };
}

const NO_CONTENT: Reply = { status: 204 };
const unsupportedPath = (): Reply => errorReply(404, multiError(UNSUPPORTED_PATH));
const unsupportedOperation = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));

function dataReply(req: LogicalRequest, data: Record<string, unknown>, warnings: readonly string[]): Reply {
  const w = warnings.length ? [...warnings] : null;
  return { status: 200, body: envelopeJson({ ...envelope(req.id, PKI_MOUNT_TYPE, data, w) }), auditData: data as Reply["auditData"], ...(w ? { warnings: w } : {}) };
}

/** A raw body (Vault's HTTPRawBody): 204 with none when there is nothing (no CA yet), as Vault answers. */
function rawReply(contentType: string, bytes: Uint8Array | null): Reply {
  if (bytes === null || bytes.length === 0) return { status: 204 };
  return { status: 200, raw: { contentType, bytes } };
}

export function pkiMount(point: string, engine: PkiEngine, writes: KvWriteContext): Mount {
  const isWrite = (op: string): boolean => op === "create" || op === "update";
  return {
    point,
    type: PKI_MOUNT_TYPE,
    unauthenticated: (path) => UNAUTHENTICATED.test(path),
    // A role's write is `create` when it does not exist yet (pathRoleExistenceCheck); no other path has a check.
    exists: async (path) => {
      const m = ROLE.exec(path);
      return m ? (await engine.store.role(m[1]!)) !== null : true;
    },
    handle: (req) =>
      requestErrorsAsResponses(async (): Promise<Reply> => {
        const fields = req.body === null ? Object.fromEntries(req.query) : bodyFields(req.body);
        const commit: Committer = async (paths, edit, message) => {
          await commitConfig(writes, paths, edit, message, req.author);
        };
        const path = req.path;
        const op = req.operation;

        let m = GENERATE.exec(path);
        if (m) {
          if (!isWrite(op)) return unsupportedOperation();
          const type = m[2] as "internal" | "exported";
          const r = m[1] === "root" ? await engine.generateRoot(commit, type, fields) : await engine.generateIntermediate(commit, type, fields);
          return dataReply(req, r.data, r.warnings);
        }
        if (path === "intermediate/set-signed") {
          if (!isWrite(op)) return unsupportedOperation();
          const r = await engine.setSigned(commit, fields);
          return dataReply(req, r.data, r.warnings);
        }
        if (path === "root/sign-intermediate") {
          if (!isWrite(op)) return unsupportedOperation();
          const r = await engine.signIntermediate(fields);
          return dataReply(req, r.data, r.warnings);
        }
        if (path === "roles/" || path === "roles") {
          if (op !== "list") return unsupportedOperation();
          const keys = await engine.listRoles();
          // A list with no keys is a 404 (sdk/logical/response_util.go).
          if (keys.length === 0) return errorReply(404);
          return dataReply(req, { keys }, []);
        }
        m = ROLE.exec(path);
        if (m) {
          const name = m[1]!;
          if (op === "read") {
            const r = await engine.readRole(name);
            return r ? dataReply(req, r.data, r.warnings) : errorReply(404);
          }
          if (isWrite(op)) {
            const r = await engine.writeRole(commit, name, fields);
            return dataReply(req, r.data, r.warnings);
          }
          if (op === "delete") {
            await engine.deleteRole(commit, name);
            return NO_CONTENT;
          }
          return unsupportedOperation();
        }
        m = ISSUE.exec(path);
        if (m) {
          if (!isWrite(op)) return unsupportedOperation();
          if (!req.info) throw new SecretsError("permission-denied", "permission denied");
          const r = m[1] === "issue" ? await engine.issue(m[2]!, fields) : await engine.sign(m[2]!, fields);
          return dataReply(req, r.data, r.warnings);
        }
        if (path === "revoke") {
          if (!isWrite(op)) return unsupportedOperation();
          const r = await engine.revoke(commit, fields);
          return dataReply(req, r.data, r.warnings);
        }
        if (op !== "read") return ["ca", "ca/pem", "crl", "crl/pem", "cert/ca"].includes(path) || CERT.test(path) ? unsupportedOperation() : unsupportedPath();
        switch (path) {
          case "ca":
            return rawReply("application/pkix-cert", (await engine.caCertificate())?.der ?? null);
          case "ca/pem":
            return rawReply("application/pem-certificate-chain", pemBytes((await engine.caCertificate())?.pem));
          case "crl":
            return rawReply("application/pkix-crl", (await engine.crl())?.der ?? null);
          case "crl/pem":
            return rawReply("application/x-pem-file", pemBytes((await engine.crl())?.pem));
          case "cert/ca": {
            const ca = await engine.caCertificate();
            if (!ca) throw new SecretsError("usage", "no default issuer currently configured");
            return dataReply(req, { certificate: ca.pem, revocation_time: 0, revocation_time_rfc3339: "" }, []);
          }
        }
        m = CERT.exec(path);
        if (m) {
          const r = await engine.certificate(m[1]!);
          return r ? dataReply(req, r.data, r.warnings) : errorReply(404);
        }
        return unsupportedPath();
      }),
  };
}

const pemBytes = (pem: string | undefined): Uint8Array | null => (pem === undefined ? null : Buffer.from(pem, "utf8"));
