import { X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadX509 } from "../../src/engines/pki/x509-lib.js";
import { Sandbox } from "../helpers/cli.js";
import { raw, startServe, type Served } from "./serve-helpers.js";

/**
 * The `pki` mount of the built `secrets serve`, through node-vault (its generic `write`, `read`,
 * `list`, `delete`) and raw requests for the exact bodies: a root CA generated and committed with
 * its key sops-encrypted, a role, certificates issued and refused (Vault's error), a node:tls
 * server with one accepted by a client trusting the CA, the ACL and the audit log as for KV,
 * revocation onto the CRL, and a `pki` mount enabled through `sys/mounts`.
 */

const require = createRequire(import.meta.url);
type NodeVault = Record<string, (...args: unknown[]) => Promise<Record<string, unknown>>>;

const sb = new Sandbox();
let served: Served;
let root: string;
let auditFile: string;

function vault(token = root): NodeVault {
  return require("node-vault")({ endpoint: served.url, token }) as NodeVault;
}

async function req(method: string, path: string, body?: unknown, token: string | null = root): Promise<{ status: number; body: string; headers: Record<string, unknown>; bytes: Buffer }> {
  const r = await raw(method, `${served.url}/v1/${path}`, { ...(token ? { "x-vault-token": token } : {}), "content-type": "application/json" }, body === undefined ? undefined : JSON.stringify(body));
  return { status: r.status, body: r.body, headers: r.headers, bytes: Buffer.from(r.body, "latin1") };
}

async function rawBytes(path: string): Promise<{ status: number; type: string | undefined; bytes: Buffer }> {
  const res = await fetch(`${served.url}/v1/${path}`);
  return { status: res.status, type: res.headers.get("content-type") ?? undefined, bytes: Buffer.from(await res.arrayBuffer()) };
}

interface Issued {
  data: { certificate: string; issuing_ca: string; ca_chain: string[]; private_key: string; private_key_type: string; serial_number: string; expiration: number };
  lease_id: string;
  renewable: boolean;
  warnings: string[] | null;
  mount_type: string;
}

beforeAll(async () => {
  const recipient = (await sb.ok(["keygen"])).trim();
  writeFileSync(sb.path(".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/\n    age: ${recipient}\n`);
  mkdirSync(sb.path(".secrets/policies"), { recursive: true });
  writeFileSync(sb.path(".secrets/mounts.yaml"), "secrets:\n  pki/:\n    type: pki\n    config: {max_lease_ttl: 315360000}\n");
  writeFileSync(sb.path(".secrets/policies/issuer.hcl"), 'path "pki/issue/web" {\n  capabilities = ["update"]\n}\n');
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "pki mount");
  auditFile = join(sb.dir, "audit.log");
  served = await startServe(sb, ["--audit-file", auditFile]);
  root = served.rootToken!;
  await vault().write!("pki/root/generate/internal", { common_name: "Example Root CA", key_type: "ec", ttl: "87600h" });
  await vault().write!("pki/roles/web", { allowed_domains: ["example.com"], allow_subdomains: true, max_ttl: "72h", key_type: "ec" });
}, 120_000);

afterAll(async () => {
  await served?.stop();
  sb.cleanup();
});

describe("root/generate and roles", () => {
  it("commits the CA certificate and its key, sops-encrypted (the key in clear nowhere in the work tree or history)", () => {
    const log = sb.git("log", "--format=%an %s", "-3");
    expect(log).toMatch(/root pki: root\/generate: a new root CA/);
    expect(log).toMatch(/root pki: roles\/web: written/);
    const key = readFileSync(sb.path(".secrets/engines/pki/ca-key.yaml"), "utf8");
    expect(key).toContain("ENC[AES256_GCM,");
    expect(sb.git("log", "-p", "--all")).not.toContain("PRIVATE KEY-----\n");
    expect(new X509Certificate(readFileSync(sb.path(".secrets/engines/pki/ca.pem"))).subject).toBe("CN=Example Root CA");
  });

  it("roles/:name reads Vault's fields; LIST roles/ names it", async () => {
    const r = (await vault().read!("pki/roles/web")) as { data: Record<string, unknown> };
    expect(r.data).toMatchObject({ allowed_domains: ["example.com"], allow_subdomains: true, allow_bare_domains: false, allow_localhost: true, max_ttl: 259200, ttl: 0, key_type: "ec", key_bits: 256 });
    const listed = JSON.parse((await req("LIST", "pki/roles")).body) as { data: { keys: string[] } };
    expect(listed.data.keys).toEqual(["web"]);
    expect((await req("GET", "pki/roles/nope")).status).toBe(404);
  });
});

describe("issue/:role", () => {
  it("node-vault's write: Vault's envelope and fields; the certificate chains to pki/ca/pem; no lease", async () => {
    const r = (await vault().write!("pki/issue/web", { common_name: "api.example.com", ttl: "1h" })) as unknown as Issued;
    expect(r).toMatchObject({ lease_id: "", renewable: false, mount_type: "pki", warnings: null });
    expect(Object.keys(r.data).sort()).toEqual(["ca_chain", "certificate", "expiration", "issuing_ca", "private_key", "private_key_type", "serial_number"]);
    expect(r.data.private_key_type).toBe("ec");
    const caPem = await rawBytes("pki/ca/pem");
    expect(caPem).toMatchObject({ status: 200, type: "application/pem-certificate-chain" });
    expect(caPem.bytes.toString()).toBe(r.data.issuing_ca);
    const der = await rawBytes("pki/ca");
    expect(der.type).toBe("application/pkix-cert");
    expect(new X509Certificate(der.bytes).fingerprint256).toBe(new X509Certificate(r.data.issuing_ca).fingerprint256);
    expect(new X509Certificate(r.data.certificate).verify(new X509Certificate(caPem.bytes).publicKey)).toBe(true);
    const cert = (await vault().read!("pki/cert/ca")) as { data: { certificate: string } };
    expect(cert.data.certificate).toBe(r.data.issuing_ca);
  });

  it("a domain the role does not allow: 400 with Vault's error body", async () => {
    const r = await req("POST", "pki/issue/web", { common_name: "www.evil.org" });
    expect(r).toMatchObject({ status: 400, body: '{"errors":["common name www.evil.org not allowed by this role"]}\n' });
    expect(await req("POST", "pki/issue/nope", { common_name: "a.example.com" })).toMatchObject({ status: 400, body: '{"errors":["unknown role: nope"]}\n' });
  });

  it("a node:tls server with an issued certificate is accepted by a client trusting only the CA", async () => {
    const r = (await vault().write!("pki/issue/web", { common_name: "svc.example.com" })) as unknown as Issued;
    const server = tls.createServer({ key: r.data.private_key, cert: r.data.certificate }, (s) => s.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const got = await new Promise<string>((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port: (server.address() as { port: number }).port, servername: "svc.example.com", ca: r.data.issuing_ca });
        let text = "";
        s.on("data", (c: Buffer) => (text += c.toString()));
        s.on("end", () => resolve(text));
        s.on("error", reject);
      });
      expect(got).toBe("ok");
    } finally {
      server.close();
    }
  });

  it("under the ACL: a token with the issuer policy issues, one without is denied; both audited, the private key only as an HMAC", async () => {
    const created = JSON.parse((await req("POST", "auth/token/create", { policies: ["issuer"], display_name: "ci" })).body) as { auth: { client_token: string } };
    const r = (await vault(created.auth.client_token).write!("pki/issue/web", { common_name: "ci.example.com" })) as unknown as Issued;
    expect(r.data.certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect((await req("POST", "pki/roles/web", { allowed_domains: "evil.org" }, created.auth.client_token)).status).toBe(403);
    const plain = JSON.parse((await req("POST", "auth/token/create", { policies: ["default"] })).body) as { auth: { client_token: string } };
    expect((await req("POST", "pki/issue/web", { common_name: "a.example.com" }, plain.auth.client_token)).status).toBe(403);
    const audit = readFileSync(auditFile, "utf8");
    expect(audit).toContain('"path":"pki/issue/web"');
    expect(audit).toContain('"mount_type":"pki"');
    const keyBody = r.data.private_key.split("\n")[1]!;
    expect(audit).not.toContain(keyBody);
    expect(audit).not.toContain("PRIVATE KEY");
  });
});

describe("revoke and the CRL", () => {
  it("a revoked serial is on pki/crl (DER, no token) and pki/crl/pem; the revocation is a commit", async () => {
    const r = (await vault().write!("pki/issue/web", { common_name: "gone.example.com" })) as unknown as Issued;
    const revoked = (await vault().write!("pki/revoke", { serial_number: r.data.serial_number })) as { data: { revocation_time: number; state: string } };
    expect(revoked.data.state).toBe("revoked");
    const crl = await rawBytes("pki/crl");
    expect(crl).toMatchObject({ status: 200, type: "application/pkix-crl" });
    const x509 = await loadX509();
    const list = new x509.X509Crl(crl.bytes.toString("base64"));
    expect(await list.verify({ publicKey: new x509.X509Certificate(r.data.issuing_ca).publicKey })).toBe(true);
    expect(list.entries.map((e) => e.serialNumber.toLowerCase())).toContain(r.data.serial_number.replace(/:/g, ""));
    const pem = await rawBytes("pki/crl/pem");
    expect(pem.bytes.toString()).toMatch(/^-----BEGIN X509 CRL-----/);
    expect(sb.git("log", "--format=%s", "-1").trim()).toBe(`pki: revoke: certificate ${r.data.serial_number}`);
    expect(await req("POST", "pki/revoke", { serial_number: "0a:0b" })).toMatchObject({ status: 400, body: '{"errors":["certificate with serial 0a:0b not found."]}\n' });
  });
});

describe("sys/mounts", () => {
  it("enables a pki mount through the API; it has no CA until one is generated", async () => {
    expect((await req("POST", "sys/mounts/pki2", { type: "pki" })).status).toBe(204);
    const listed = JSON.parse((await req("GET", "sys/mounts")).body) as Record<string, { type: string }>;
    expect(listed["pki2/"]?.type).toBe("pki");
    expect((await rawBytes("pki2/ca/pem")).status).toBe(204);
    await vault().write!("pki2/roles/x", { allow_any_name: true });
    expect(await req("POST", "pki2/issue/x", { common_name: "a" })).toMatchObject({ status: 400, body: '{"errors":["no default issuer currently configured"]}\n' });
  });
});
