/**
 * A leaf certificate for a role: `pki/issue/:role` (a new key made here) and `pki/sign/:role` (the
 * key of a CSR), as Vault's generateCert/signCert check them (builtin/logical/pki cert_util.go):
 * the common name (required unless the role's `require_cn` is false), every DNS name and IP
 * address against the role, the TTL (not-after.ts), then the certificate signed by the CA. The
 * answer is Vault's response `data`, with the private key only for `issue`; it is kept nowhere.
 */
import type { X509Certificate } from "@peculiar/x509";
import { SecretsError } from "../../errors.js";
import { buildCertificate, certificatePem, vaultSerial, type SigningCa } from "./certificate.js";
import { exportPrivateKey, generateKey, importPublicKey, keySpec } from "./keys.js";
import { isIpAddress, refusedName } from "./names.js";
import { certificateNotAfter, type MountTtls } from "./not-after.js";
import type { CertFormat, IssueInput } from "./requests.js";
import type { PkiRole } from "./role.js";
import { loadX509 } from "./x509-lib.js";

export interface IssuedCertificate {
  /** Vault's response data: certificate, issuing_ca, ca_chain, serial_number, expiration (and private_key, private_key_type for issue). */
  data: Record<string, unknown>;
  warnings: string[];
  /** Colon-separated hex. */
  serialNumber: string;
  /** The certificate as PEM, to record. */
  certificate: string;
  notAfter: Date;
}

const COMMON_NAME_REQUIRED = `the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false`;

/** The subject's names checked against the role: the CN, the DNS names (CN included unless excluded), the IPs. */
function checkedNames(role: PkiRole, cn: string, altNames: readonly string[], ipSans: readonly string[], excludeCn: boolean): { dnsNames: string[]; ips: string[] } {
  if (cn === "" && role.requireCn) throw new SecretsError("usage", COMMON_NAME_REQUIRED);
  if (cn !== "" && refusedName(role, [cn]) !== null) throw new SecretsError("usage", `common name ${cn} not allowed by this role`);
  const dnsNames = [...new Set([...(cn !== "" && !excludeCn && !cn.includes("@") ? [cn] : []), ...altNames])];
  const badSan = refusedName(role, dnsNames);
  if (badSan !== null) throw new SecretsError("usage", `subject alternate name ${badSan} not allowed by this role`);
  if (ipSans.length > 0 && !role.allowIpSans) throw new SecretsError("usage", `IP Subject Alternative Names are not allowed in this role, but was provided via ${ipSans.join(",")}`);
  for (const ip of ipSans) if (!isIpAddress(ip)) throw new SecretsError("usage", `the value ${JSON.stringify(ip)} is not a valid IP address`);
  return { dnsNames, ips: [...ipSans] };
}

const ekusOf = (role: PkiRole): string[] => [...(role.serverFlag ? ["ServerAuth"] : []), ...(role.clientFlag ? ["ClientAuth"] : []), ...role.extKeyUsage];

function encode(c: X509Certificate, format: CertFormat): string {
  return format === "der" ? Buffer.from(c.rawData).toString("base64") : certificatePem(c);
}

/** Vault's `ca_chain`: the issuing CA and the certificates above it. */
function chainOf(ca: SigningCa, format: CertFormat): string[] {
  return [ca.certificate, ...ca.chain].map((c) => encode(c, format));
}

async function leaf(ca: SigningCa, role: PkiRole, input: IssueInput, publicKey: CryptoKey, names: { cn: string; dnsNames: string[]; ips: string[] }, nowMs: number, mount?: MountTtls): Promise<{ cert: X509Certificate; warnings: string[] }> {
  const { notAfter, warnings } = certificateNotAfter({ ttl: input.ttl, roleTtl: role.ttl, roleMaxTtl: role.maxTtl, nowMs, caNotAfter: ca.certificate.notAfter, ...(mount ? { mount } : {}) });
  const cert = await buildCertificate(
    {
      commonName: names.cn,
      dnsNames: names.dnsNames,
      ipAddresses: names.ips,
      organization: role.organization,
      ou: role.ou,
      notBefore: new Date(Math.floor(nowMs / 1000) * 1000 - role.notBeforeDuration * 1000),
      notAfter,
      publicKey,
      keyUsage: role.keyUsage,
      extKeyUsage: ekusOf(role),
    },
    ca,
  );
  return { cert, warnings };
}

function responseData(ca: SigningCa, cert: X509Certificate, format: CertFormat): Record<string, unknown> {
  return {
    certificate: encode(cert, format),
    expiration: Math.floor(cert.notAfter.getTime() / 1000),
    issuing_ca: encode(ca.certificate, format),
    ca_chain: chainOf(ca, format),
    serial_number: vaultSerial(cert.serialNumber),
  };
}

/** `pki/issue/:role`: a new key pair of the role's type, and its certificate. */
export async function issueCertificate(ca: SigningCa, role: PkiRole, input: IssueInput, nowMs: number, mount?: MountTtls): Promise<IssuedCertificate> {
  if (role.keyType === "any") throw new SecretsError("usage", `role key type "any" not allowed for issuing certificates without providing key_type and/or key_bits request parameters`);
  const names = checkedNames(role, input.commonName, input.altNames, input.ipSans, input.excludeCnFromSans);
  const key = await generateKey(keySpec(role.keyType, role.keyBits));
  const { cert, warnings } = await leaf(ca, role, input, key.keys.publicKey, { cn: input.commonName, ...names }, nowMs, mount);
  const data = responseData(ca, cert, input.format);
  const privateKey = await exportPrivateKey(key, input.privateKeyFormat === "pkcs8" ? "pkcs8" : "pem", input.format === "der" ? "der" : "pem");
  data.private_key = privateKey;
  data.private_key_type = key.spec.type;
  if (input.format === "pem_bundle") data.certificate = [privateKey, data.certificate, ...chainOf(ca, "pem")].join("\n");
  return { data, warnings, serialNumber: data.serial_number as string, certificate: certificatePem(cert), notAfter: cert.notAfter };
}

/**
 * `pki/sign/:role`: certifies the key of a PEM CSR, after checking its signature and that its
 * key is of the role's type and size. The names are the CSR's (Vault's `use_csr_common_name` and
 * `use_csr_sans`, both true by default for this path), checked against the role like `issue`'s;
 * a `common_name` given as well is ignored, with Vault's warning.
 */
export async function signCertificateRequest(ca: SigningCa, role: PkiRole, input: IssueInput, nowMs: number, mount?: MountTtls): Promise<IssuedCertificate> {
  const x509 = await loadX509();
  if (input.csr === "") throw new SecretsError("usage", `"csr" is empty`);
  if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(input.csr)) throw new SecretsError("usage", "csr contains no data");
  let csr;
  try {
    csr = new x509.Pkcs10CertificateRequest(input.csr.trim());
  } catch (e) {
    throw new SecretsError("usage", "certificate request could not be parsed: the csr field is not a PEM certificate request", { cause: e });
  }
  if (!(await csr.verify().catch(() => false))) throw new SecretsError("usage", "request signature invalid");
  const { spec, key: publicKey } = await importPublicKey(csr.publicKey.rawData);
  if (role.keyType !== "any") {
    const wanted = keySpec(role.keyType, role.keyBits);
    if (spec.type !== wanted.type) throw new SecretsError("usage", `role requires keys of type ${role.keyType}`);
    if (spec.type !== "ed25519" && spec.bits < wanted.bits) throw new SecretsError("usage", `role requires a minimum of a ${wanted.bits}-bit key, but CSR's key is ${spec.bits} bits`);
  }
  const warnings: string[] = [];
  if (input.commonName !== "") warnings.push(`the common_name field was provided but the role is set with "use_csr_common_name" set to true`);
  if (input.altNames.length > 0) warnings.push(`the alt_names field was provided but the role is set with "use_csr_sans" set to true`);
  const cn = csr.subjectName.getField("CN")[0] ?? "";
  const sanExt = csr.extensions.find((e): e is InstanceType<typeof x509.SubjectAlternativeNameExtension> => e instanceof x509.SubjectAlternativeNameExtension);
  const csrDns = sanExt?.names.items.filter((n) => n.type === "dns").map((n) => n.value) ?? [];
  const csrIps = sanExt?.names.items.filter((n) => n.type === "ip").map((n) => n.value) ?? [];
  const names = checkedNames(role, cn, csrDns, csrIps, input.excludeCnFromSans);
  const made = await leaf(ca, role, input, publicKey, { cn, ...names }, nowMs, mount);
  const data = responseData(ca, made.cert, input.format);
  if (input.format === "pem_bundle") data.certificate = [data.certificate, ...chainOf(ca, "pem")].join("\n");
  return { data, warnings: [...warnings, ...made.warnings], serialNumber: data.serial_number as string, certificate: certificatePem(made.cert), notAfter: made.cert.notAfter };
}
