/**
 * The mount's certificate authority: a root made here (`pki/root/generate/:type`), or an
 * intermediate whose key is made here and whose certificate another CA signs
 * (`pki/intermediate/generate/:type`, then `pki/intermediate/set-signed`), and a root signing
 * another mount's intermediate (`pki/root/sign-intermediate`). Pure functions over keys and
 * certificates; where the key and certificates are kept is store.ts's business.
 */
import type { Pkcs10CertificateRequest, X509Certificate } from "@peculiar/x509";
import { webcrypto } from "node:crypto";
import { SecretsError } from "../../errors.js";
import { buildCertificate, certificatePem, parseCertificates, vaultSerial, type SigningCa } from "./certificate.js";
import { exportPrivateKey, generateKey, importPublicKey, keySpec, signingAlgorithm, type GeneratedKey } from "./keys.js";
import { isIpAddress } from "./names.js";
import { certificateNotAfter, type MountTtls } from "./not-after.js";
import type { CaInput, SignIntermediateInput } from "./requests.js";
import { loadX509 } from "./x509-lib.js";

/** What a CA's subject gets from a request: its names, checked as values (a CA has no role to check them against). */
function caNames(input: CaInput): { dnsNames: string[]; ips: string[] } {
  if (input.commonName === "") throw new SecretsError("usage", `the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false`);
  for (const ip of input.ipSans) if (!isIpAddress(ip)) throw new SecretsError("usage", `the value ${JSON.stringify(ip)} is not a valid IP address`);
  const dnsNames = [...new Set([...(input.excludeCnFromSans || input.commonName.includes("@") ? [] : [input.commonName]), ...input.altNames])];
  return { dnsNames, ips: input.ipSans };
}

export interface GeneratedRoot {
  key: GeneratedKey;
  certificate: X509Certificate;
  warnings: string[];
}

/** A self-signed root CA for `input` (key type and size checked as Vault does; TTL as a leaf's, without a role). */
export async function generateRoot(input: CaInput, nowMs: number, mount?: MountTtls): Promise<GeneratedRoot> {
  const spec = keySpec(input.keyType, input.keyBits);
  const names = caNames(input);
  const { notAfter, warnings } = certificateNotAfter({ ttl: input.ttl, roleTtl: 0, roleMaxTtl: 0, nowMs, caNotAfter: null, ...(mount ? { mount } : {}) });
  const key = await generateKey(spec);
  const certificate = await buildCertificate(
    {
      commonName: input.commonName,
      dnsNames: names.dnsNames,
      ipAddresses: names.ips,
      organization: input.organization,
      ou: input.ou,
      // Vault back-dates a CA by 30 seconds too (not_before_duration's default).
      notBefore: new Date(Math.floor(nowMs / 1000) * 1000 - 30_000),
      notAfter,
      publicKey: key.keys.publicKey,
      ca: { maxPathLength: input.maxPathLength },
    },
    null,
    key,
  );
  return { key, certificate, warnings };
}

/** A new key and its CSR for an intermediate CA (`pki/intermediate/generate/:type`). */
export async function generateIntermediateCsr(input: CaInput): Promise<{ key: GeneratedKey; csr: string }> {
  const x509 = await loadX509();
  const spec = keySpec(input.keyType, input.keyBits);
  const names = caNames(input);
  const key = await generateKey(spec);
  const name: Array<Record<string, string[]>> = [];
  if (input.organization.length) name.push({ O: input.organization });
  if (input.ou.length) name.push({ OU: input.ou });
  name.push({ CN: [input.commonName] });
  const sans = [...names.dnsNames.map((value) => ({ type: "dns" as const, value })), ...names.ips.map((value) => ({ type: "ip" as const, value }))];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys: key.keys,
    signingAlgorithm: signingAlgorithm(spec),
    extensions: [new x509.BasicConstraintsExtension(true, input.maxPathLength >= 0 ? input.maxPathLength : undefined, true), ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : [])],
  });
  return { key, csr: csr.toString("pem").trim() };
}

async function parseCsr(pem: string): Promise<Pkcs10CertificateRequest> {
  const x509 = await loadX509();
  if (pem === "") throw new SecretsError("usage", `"csr" is empty`);
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(pem)) throw new SecretsError("usage", "csr contains no data");
  try {
    const csr = new x509.Pkcs10CertificateRequest(pem.trim());
    if (!(await csr.verify())) throw new Error("bad signature");
    return csr;
  } catch (e) {
    throw new SecretsError("usage", "certificate request could not be parsed", { cause: e });
  }
}

/** `pki/root/sign-intermediate`: a CA certificate for a CSR, signed by `ca`. Its subject is the request's fields (or the CSR's with `use_csr_values`). */
export async function signIntermediate(ca: SigningCa, input: SignIntermediateInput, nowMs: number, mount?: MountTtls): Promise<{ certificate: X509Certificate; warnings: string[] }> {
  const csr = await parseCsr(input.csr);
  const subject = input.useCsrValues ? { ...input, commonName: csr.subjectName.getField("CN")[0] ?? "", organization: csr.subjectName.getField("O"), ou: csr.subjectName.getField("OU") } : input;
  const names = caNames(subject);
  const { notAfter, warnings } = certificateNotAfter({ ttl: input.ttl, roleTtl: 0, roleMaxTtl: 0, nowMs, caNotAfter: ca.certificate.notAfter, ...(mount ? { mount } : {}) });
  const { key: publicKey } = await importPublicKey(csr.publicKey.rawData);
  const certificate = await buildCertificate(
    {
      commonName: subject.commonName,
      dnsNames: names.dnsNames,
      ipAddresses: names.ips,
      organization: subject.organization,
      ou: subject.ou,
      notBefore: new Date(Math.floor(nowMs / 1000) * 1000 - 30_000),
      notAfter,
      publicKey,
      ca: { maxPathLength: input.maxPathLength },
    },
    ca,
  );
  return { certificate, warnings };
}

/** Whether `cert` certifies `key`'s public half (the SubjectPublicKeyInfo bytes are equal). */
export async function certifiesKey(cert: X509Certificate, key: GeneratedKey): Promise<boolean> {
  const spki = Buffer.from(await webcrypto.subtle.exportKey("spki", key.keys.publicKey));
  return spki.equals(Buffer.from(cert.publicKey.rawData));
}

/**
 * `pki/intermediate/set-signed`: from the PEM bundle given, the certificate of the pending key and
 * the certificates above it (the rest of the bundle, in order). Kind `usage` when the bundle is
 * empty, holds no CA certificate, or none of its certificates is for the key.
 */
export async function signedIntermediate(bundle: string, key: GeneratedKey): Promise<{ certificate: X509Certificate; chain: X509Certificate[] }> {
  const x509 = await loadX509();
  if (bundle.trim() === "") throw new SecretsError("usage", "no data found in PEM block");
  const certs = await parseCertificates(bundle);
  if (certs.length === 0) throw new SecretsError("usage", "no data found in PEM block");
  let own: X509Certificate | undefined;
  for (const c of certs) if (await certifiesKey(c, key)) own = c;
  if (!own) throw new SecretsError("usage", "the certificate is not for the key pki/intermediate/generate made (generate it again, or sign that CSR)");
  if (!own.getExtension(x509.BasicConstraintsExtension)?.ca) throw new SecretsError("usage", "Refusing to import non-CA certificate");
  return { certificate: own, chain: certs.filter((c) => c !== own) };
}

/** Vault's root/generate data: certificate, issuing_ca (itself), serial_number, expiration (and for `exported` the key). */
export async function rootResponseData(root: GeneratedRoot, exported: boolean): Promise<Record<string, unknown>> {
  const pem = certificatePem(root.certificate);
  return {
    certificate: pem,
    expiration: Math.floor(root.certificate.notAfter.getTime() / 1000),
    issuing_ca: pem,
    serial_number: vaultSerial(root.certificate.serialNumber),
    ...(exported ? { private_key: await exportPrivateKey(root.key), private_key_type: root.key.spec.type } : {}),
  };
}
