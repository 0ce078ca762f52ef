import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { promises as fsp } from "node:fs";
import { X509Certificate as NodeX509 } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PkiEngine } from "../../src/engines/pki/engine.js";
import { DirectoryIssuedRecords } from "../../src/engines/pki/issued-records.js";
import { RepositoryPkiStore, type Committer } from "../../src/engines/pki/store.js";
import { loadX509 } from "../../src/engines/pki/x509-lib.js";
import { Workspace } from "../../src/workspace/workspace.js";

/**
 * The PKI engine as library code, over a repository folder and a real age identity: a root made
 * and kept encrypted, roles, certificates issued for a role and refused outside it (Vault's
 * errors), a node:tls server with an issued certificate accepted by a client trusting the CA, a CSR
 * signed, an intermediate signed by another mount's root, revocation onto the CRL.
 */

let dir: string;
let identity: string;
let pki: PkiEngine;
let store: RepositoryPkiStore;

/** Writes the files as given, as the server's commit would (without git). */
const commit: Committer = async (paths, edit) => {
  const current = new Map<string, string | null>();
  for (const p of paths) current.set(p, await fsp.readFile(path.join(dir, p), "utf8").catch(() => null));
  for (const change of await edit(current)) {
    const abs = path.join(dir, change.path);
    if (change.text === null) rmSync(abs, { force: true });
    else {
      mkdirSync(path.dirname(abs), { recursive: true });
      writeFileSync(abs, change.text);
    }
  }
};

function engine(mount: string): PkiEngine {
  const ws = new Workspace({ startDir: dir, env: { SOPS_AGE_KEY: identity } });
  const s = new RepositoryPkiStore({ top: dir, mount, keys: () => ws.keys(), creation: ws });
  return new PkiEngine({ mount, store: s, records: new DirectoryIssuedRecords(path.join(dir, ".state"), mount), ttls: { defaultTtl: 0, maxTtl: 87600 * 3600 } });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "pki-engine-"));
  identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  writeFileSync(path.join(dir, ".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/\n    age: ${recipient}\n`);
  pki = engine("pki");
  store = pki.store;
  await pki.generateRoot(commit, "internal", { common_name: "Example Root", key_type: "ec", ttl: "87600h" });
  await pki.writeRole(commit, "web", { allowed_domains: "example.com", allow_subdomains: true, max_ttl: "72h", key_type: "ec" });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the CA", () => {
  it("is refused, and no key file written, when the .sops.yaml rule for its path would leave the key in clear", async () => {
    const config = path.join(dir, ".sops.yaml");
    const before = readFileSync(config, "utf8");
    const recipient = await identityToRecipient(identity);
    writeFileSync(config, `creation_rules:\n  - path_regex: ^\\.secrets/engines/clear/\n    encrypted_regex: ^data$\n    age: ${recipient}\n${before.replace(/^creation_rules:\n/, "")}`);
    try {
      await expect(engine("clear").generateRoot(commit, "internal", { common_name: "Clear Root", key_type: "ec", ttl: "1h" })).rejects.toMatchObject({ message: expect.stringContaining("would leave private_key in clear") });
      await expect(fsp.stat(path.join(dir, ".secrets/engines/clear/ca-key.yaml"))).rejects.toMatchObject({ code: "ENOENT" });
    } finally {
      writeFileSync(config, before);
    }
  });

  it("keeps the certificate in ca.pem and the key sops-encrypted in ca-key.yaml (no PEM key in clear)", () => {
    const key = readFileSync(path.join(dir, ".secrets/engines/pki/ca-key.yaml"), "utf8");
    expect(key).toMatch(/private_key: ENC\[AES256_GCM,/);
    expect(key).not.toContain("PRIVATE KEY");
    const ca = new NodeX509(readFileSync(path.join(dir, ".secrets/engines/pki/ca.pem")));
    expect(ca.subject).toBe("CN=Example Root");
    expect(ca.ca).toBe(true);
  });

  it("root/generate/exported returns the key once; internal does not", async () => {
    const other = engine("other");
    const exported = await other.generateRoot(commit, "exported", { common_name: "Other", key_type: "ed25519" });
    expect(exported.data.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(exported.data.private_key_type).toBe("ed25519");
    const internal = await other.generateRoot(commit, "internal", { common_name: "Other 2", key_type: "rsa" });
    expect(Object.keys(internal.data).sort()).toEqual(["certificate", "expiration", "issuing_ca", "serial_number"]);
  });
});

describe("issue/:role", () => {
  it("answers Vault's fields, a certificate chaining to the CA, for the name asked", async () => {
    const r = await pki.issue("web", { common_name: "api.example.com", ttl: "1h" });
    expect(Object.keys(r.data).sort()).toEqual(["ca_chain", "certificate", "expiration", "issuing_ca", "private_key", "private_key_type", "serial_number"]);
    expect(r.data.private_key_type).toBe("ec");
    expect(r.data.private_key).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    const cert = new NodeX509(r.data.certificate as string);
    const ca = new NodeX509(r.data.issuing_ca as string);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkHost("api.example.com")).toBe("api.example.com");
    expect(cert.serialNumber.toLowerCase().replace(/^0+/, "")).toBe((r.data.serial_number as string).replace(/:/g, "").replace(/^0+/, ""));
    expect(r.data.expiration).toBe(Math.floor(Date.parse(cert.validTo) / 1000));
    expect(r.data.ca_chain).toEqual([r.data.issuing_ca]);
  });

  it("refuses a name outside the role with Vault's error; an unknown role too", async () => {
    await expect(pki.issue("web", { common_name: "evil.org" })).rejects.toThrow("common name evil.org not allowed by this role");
    await expect(pki.issue("web", { common_name: "example.com" })).rejects.toThrow("common name example.com not allowed by this role");
    await expect(pki.issue("web", { common_name: "a.example.com", alt_names: "b.evil.org" })).rejects.toThrow("subject alternate name b.evil.org not allowed by this role");
    await expect(pki.issue("nope", { common_name: "a.example.com" })).rejects.toThrow("unknown role: nope");
  });

  it("caps the TTL at the role's max_ttl with Vault's warning", async () => {
    const r = await pki.issue("web", { common_name: "a.example.com", ttl: "100h" });
    expect(r.warnings).toEqual([`TTL "100h0m0s" is longer than permitted maxTTL "72h0m0s", so maxTTL is being used`]);
    expect((r.data.expiration as number) - Date.now() / 1000).toBeLessThanOrEqual(72 * 3600 + 5);
  });

  it("a node:tls server with an issued certificate is accepted by a client that trusts the CA, refused by one that does not", async () => {
    const r = await pki.issue("web", { common_name: "svc.example.com", alt_names: "localhost", ip_sans: "127.0.0.1" });
    const server = tls.createServer({ key: r.data.private_key as string, cert: r.data.certificate as string }, (s) => s.end("hello"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const connect = (ca: string | undefined): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = tls.connect({ host: "127.0.0.1", port, servername: "svc.example.com", ...(ca ? { ca } : {}) }, () => undefined);
        let got = "";
        s.on("data", (c: Buffer) => (got += c.toString()));
        s.on("end", () => resolve(got));
        s.on("error", reject);
      });
    try {
      expect(await connect(r.data.issuing_ca as string)).toBe("hello");
      await expect(connect(undefined)).rejects.toThrow(/self.signed|unable to (get|verify)/);
    } finally {
      server.close();
    }
  });
});

describe("sign/:role", () => {
  it("certifies a CSR's key, checking its names against the role", async () => {
    const x509 = await loadX509();
    const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const keys = (await crypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: "CN=csr.example.com", keys, signingAlgorithm: alg });
    const r = await pki.sign("web", { csr: csr.toString("pem") });
    expect(r.data.private_key).toBeUndefined();
    expect(new NodeX509(r.data.certificate as string).subject).toBe("CN=csr.example.com");
    const bad = await x509.Pkcs10CertificateRequestGenerator.create({ name: "CN=csr.evil.org", keys, signingAlgorithm: alg });
    await expect(pki.sign("web", { csr: bad.toString("pem") })).rejects.toThrow("common name csr.evil.org not allowed by this role");
  });
});

describe("intermediate", () => {
  it("intermediate/generate, root/sign-intermediate on the root mount, set-signed: leaves chain to the root", async () => {
    const inter = engine("pki_int");
    const gen = await inter.generateIntermediate(commit, "internal", { common_name: "Example Intermediate", key_type: "ec" });
    expect(gen.data.csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    await expect(inter.issue("web", { common_name: "x" })).rejects.toThrow();
    const signed = await pki.signIntermediate({ csr: gen.data.csr, common_name: "Example Intermediate", ttl: "8760h" });
    await inter.setSigned(commit, { certificate: `${signed.data.certificate as string}\n${signed.data.issuing_ca as string}` });
    await inter.writeRole(commit, "web", { allowed_domains: ["example.com"], allow_subdomains: true, key_type: "rsa" });
    const r = await inter.issue("web", { common_name: "deep.example.com" });
    expect(r.data.private_key_type).toBe("rsa");
    expect((r.data.ca_chain as string[]).length).toBe(2);
    const leaf = new NodeX509(r.data.certificate as string);
    const mid = new NodeX509((r.data.ca_chain as string[])[0]!);
    const root = new NodeX509((r.data.ca_chain as string[])[1]!);
    expect(leaf.verify(mid.publicKey)).toBe(true);
    expect(mid.verify(root.publicKey)).toBe(true);
    expect(root.subject).toBe("CN=Example Root");
  });
});

describe("revoke and the CRL", () => {
  it("a revoked serial is on the CRL signed by the CA; revoking it again answers the first time; unknown serials are Vault's error", async () => {
    const r = await pki.issue("web", { common_name: "gone.example.com" });
    const serial = r.data.serial_number as string;
    const first = await pki.revoke(commit, { serial_number: serial });
    expect(first.data).toMatchObject({ state: "revoked" });
    const again = await pki.revoke(commit, { serial_number: serial });
    expect(again.data.revocation_time).toBe(first.data.revocation_time);
    await expect(pki.revoke(commit, { serial_number: "01:02" })).rejects.toThrow("certificate with serial 01:02 not found.");
    const x509 = await loadX509();
    const crl = new x509.X509Crl((await pki.crl())!.pem);
    const ca = (await store.caCertificates())![0]!;
    expect(await crl.verify({ publicKey: ca.publicKey })).toBe(true);
    expect(crl.entries.map((e) => e.serialNumber.toLowerCase())).toContain(serial.replace(/:/g, ""));
    expect(readFileSync(path.join(dir, ".secrets/engines/pki/revoked.yaml"), "utf8")).toContain(serial);
  });
});
