import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { startServe, type Served } from "../server/serve-helpers.js";

/**
 * The pki mount of the built `secrets serve` driven by Python's hvac (Debian's python3-hvac:
 * `secrets.pki.generate_root`, `create_or_update_role`, `generate_certificate`,
 * `generate_intermediate`, `sign_intermediate`, `set_signed_intermediate`, `sign_certificate`,
 * `revoke_certificate`, `read_ca_certificate`, `read_crl`), its certificates checked by OpenSSL:
 * `openssl verify -CAfile` for a leaf of the root, a leaf of an intermediate the root signed, and a
 * CSR OpenSSL made; `openssl verify -crl_check` refusing a revoked one.
 */

const sb = new Sandbox();
let served: Served;
let work: string;

const SCRIPT = String.raw`
import json, os, sys, hvac
c = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
pki = c.secrets.pki
out = {}
out["root"] = pki.generate_root(type="internal", common_name="Interop Root", extra_params={"key_type": "ec", "ttl": "87600h"}, mount_point="pki")["data"]
pki.create_or_update_role("web", extra_params={"allowed_domains": "example.com", "allow_subdomains": True, "max_ttl": "24h", "key_type": "ec"}, mount_point="pki")
out["leaf"] = pki.generate_certificate("web", "www.example.com", extra_params={"ttl": "2h", "ip_sans": "127.0.0.1"}, mount_point="pki")["data"]
out["ca_pem"] = pki.read_ca_certificate(mount_point="pki")
c.sys.enable_secrets_engine(backend_type="pki", path="pki_int")
csr = pki.generate_intermediate("internal", "Interop Intermediate", extra_params={"key_type": "rsa", "key_bits": 2048}, mount_point="pki_int")["data"]["csr"]
signed = pki.sign_intermediate(csr, "Interop Intermediate", extra_params={"ttl": "700h"}, mount_point="pki")["data"]
pki.set_signed_intermediate(signed["certificate"] + "\n" + signed["issuing_ca"], mount_point="pki_int")
pki.create_or_update_role("svc", extra_params={"allowed_domains": "svc.example.com", "allow_bare_domains": True, "key_type": "rsa", "ttl": "24h"}, mount_point="pki_int")
out["int_leaf"] = pki.generate_certificate("svc", "svc.example.com", mount_point="pki_int")["data"]
out["signed_csr"] = pki.sign_certificate("web", open(os.environ["CSR_FILE"]).read(), "csr.example.com", mount_point="pki")["data"]
try:
    pki.generate_certificate("web", "www.evil.org", mount_point="pki")
except hvac.exceptions.InvalidRequest as e:
    out["refused"] = e.errors
gone = pki.generate_certificate("web", "gone.example.com", mount_point="pki")["data"]
out["gone"] = gone
out["revoked"] = pki.revoke_certificate(gone["serial_number"], mount_point="pki")["data"]
out["crl"] = pki.read_crl(mount_point="pki")
print(json.dumps(out))
`;

function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync("openssl", args, { cwd: work, encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

interface Cert {
  certificate: string;
  issuing_ca: string;
  ca_chain: string[];
  private_key?: string;
  serial_number: string;
}
let out: { root: Cert; leaf: Cert; ca_pem: string; int_leaf: Cert; signed_csr: Cert; refused: string[]; gone: Cert; revoked: { state: string }; crl: string };

beforeAll(async () => {
  const recipient = (await sb.ok(["keygen"])).trim();
  writeFileSync(sb.path(".sops.yaml"), `creation_rules:\n  - path_regex: ^\\.secrets/engines/\n    age: ${recipient}\n`);
  mkdirSync(sb.path(".secrets"), { recursive: true });
  writeFileSync(sb.path(".secrets/mounts.yaml"), "secrets:\n  pki/:\n    type: pki\n    config: {max_lease_ttl: 315360000}\n");
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "pki");
  served = await startServe(sb);
  work = join(sb.dir, "openssl");
  mkdirSync(work);
  expect(openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "csr.key", "-subj", "/CN=csr.example.com", "-out", "req.csr"]).status).toBe(0);
  const r = spawnSync("/usr/bin/python3", ["-c", SCRIPT], { env: { ...process.env, VAULT_ADDR: served.url, VAULT_TOKEN: served.rootToken!, CSR_FILE: join(work, "req.csr") }, encoding: "utf8", timeout: 120_000 });
  expect(r.stderr).toBe("");
  out = JSON.parse(r.stdout) as typeof out;
}, 180_000);

afterAll(async () => {
  await served?.stop();
  sb.cleanup();
});

describe("pki through hvac, checked by openssl", () => {
  it("a leaf of the root verifies with openssl verify -CAfile (the CA as read_ca_certificate returns it)", () => {
    expect(out.ca_pem).toBe(out.root.certificate);
    writeFileSync(join(work, "ca.pem"), `${out.ca_pem}\n`);
    writeFileSync(join(work, "leaf.pem"), `${out.leaf.certificate}\n`);
    expect(openssl(["verify", "-CAfile", "ca.pem", "leaf.pem"])).toEqual({ status: 0, out: "leaf.pem: OK\n" });
    expect(openssl(["x509", "-in", "leaf.pem", "-noout", "-ext", "subjectAltName"]).out).toMatch(/DNS:www\.example\.com, IP Address:127\.0\.0\.1/);
  });

  it("a leaf of an intermediate the root signed verifies with the root as CA and the intermediate untrusted", () => {
    expect(out.int_leaf.ca_chain).toHaveLength(2);
    writeFileSync(join(work, "int.pem"), `${out.int_leaf.ca_chain[0]!}\n`);
    writeFileSync(join(work, "int-leaf.pem"), `${out.int_leaf.certificate}\n`);
    expect(openssl(["verify", "-CAfile", "ca.pem", "-untrusted", "int.pem", "int-leaf.pem"])).toEqual({ status: 0, out: "int-leaf.pem: OK\n" });
    // Without the intermediate, the chain does not reach the root.
    expect(openssl(["verify", "-CAfile", "ca.pem", "int-leaf.pem"]).status).not.toBe(0);
  });

  it("a CSR made by openssl, signed through sign/:role, verifies and certifies openssl's key", () => {
    writeFileSync(join(work, "signed.pem"), `${out.signed_csr.certificate}\n`);
    expect(openssl(["verify", "-CAfile", "ca.pem", "signed.pem"]).status).toBe(0);
    const certKey = openssl(["x509", "-in", "signed.pem", "-noout", "-pubkey"]).out;
    const ownKey = openssl(["pkey", "-in", "csr.key", "-pubout"]).out;
    expect(certKey).toBe(ownKey);
    expect(out.signed_csr.private_key).toBeUndefined();
  });

  it("a domain the role does not allow is refused with Vault's error", () => {
    expect(out.refused).toEqual(["common name www.evil.org not allowed by this role"]);
  });

  it("a revoked certificate is on the CRL: openssl verify -crl_check refuses it, and accepts one not revoked", () => {
    expect(out.revoked.state).toBe("revoked");
    writeFileSync(join(work, "crl.pem"), `${out.crl}\n`);
    writeFileSync(join(work, "gone.pem"), `${out.gone.certificate}\n`);
    const text = openssl(["crl", "-in", "crl.pem", "-noout", "-text"]).out.toUpperCase();
    expect(text).toContain(out.gone.serial_number.replace(/:/g, "").toUpperCase());
    const refused = openssl(["verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "ca.pem", "gone.pem"]);
    expect(refused.status).not.toBe(0);
    expect(refused.out).toContain("certificate revoked");
    expect(openssl(["verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "ca.pem", "leaf.pem"]).status).toBe(0);
  });
});
