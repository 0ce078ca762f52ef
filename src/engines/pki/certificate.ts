/**
 * Building and reading X.509 certificates with @peculiar/x509 (x509-lib.ts): one function makes
 * every certificate this engine signs — a root (self-signed), an intermediate, a leaf — with the
 * extensions Vault puts in them (certutil.createCertificate): basic constraints (critical), key
 * usage, extended key usage for leaves, subject and authority key identifiers, the subject
 * alternative names. Serial numbers are Vault's: random, below 2^159, written as colon-separated
 * lower-case hex (`3f:a2:…`).
 */
import { randomBytes } from "node:crypto";
import type { Extension, X509Certificate } from "@peculiar/x509";
import { SecretsError } from "../../errors.js";
import { signingAlgorithm, type GeneratedKey } from "./keys.js";
import { loadX509, type X509 } from "./x509-lib.js";

/** A CA that signs: its certificate, the certificates above it (nearest first; none for a root), its key. */
export interface SigningCa {
  certificate: X509Certificate;
  chain: X509Certificate[];
  key: GeneratedKey;
}

export interface CertificateTemplate {
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
  organization: string[];
  ou: string[];
  notBefore: Date;
  notAfter: Date;
  /** The key certified (the subject's). */
  publicKey: CryptoKey;
  /** A CA certificate: basic constraints CA, with `maxPathLength` (-1: none). */
  ca?: { maxPathLength: number };
  /** A leaf's key usages (Go's names) and extended key usages (names or OIDs). */
  keyUsage?: string[];
  extKeyUsage?: string[];
}

/** Go's x509.KeyUsage names, as Vault takes them (case-insensitive, with or without the `KeyUsage` prefix). */
const KEY_USAGES: Readonly<Record<string, number>> = {
  digitalsignature: 1,
  contentcommitment: 2,
  keyencipherment: 4,
  dataencipherment: 8,
  keyagreement: 16,
  certsign: 32,
  crlsign: 64,
  encipheronly: 128,
  decipheronly: 256,
};

/** Go's x509.ExtKeyUsage names, as Vault takes them. */
const EXT_KEY_USAGES: Readonly<Record<string, string>> = {
  any: "2.5.29.37.0",
  serverauth: "1.3.6.1.5.5.7.3.1",
  clientauth: "1.3.6.1.5.5.7.3.2",
  codesigning: "1.3.6.1.5.5.7.3.3",
  emailprotection: "1.3.6.1.5.5.7.3.4",
  ipsecendsystem: "1.3.6.1.5.5.7.3.5",
  ipsectunnel: "1.3.6.1.5.5.7.3.6",
  ipsecuser: "1.3.6.1.5.5.7.3.7",
  timestamping: "1.3.6.1.5.5.7.3.8",
  ocspsigning: "1.3.6.1.5.5.7.3.9",
};

function keyUsageFlags(names: readonly string[]): number {
  let flags = 0;
  for (const n of names) {
    const bit = KEY_USAGES[n.toLowerCase().replace(/^keyusage/, "")];
    // Vault skips names it does not know (parseKeyUsages); so does this.
    if (bit !== undefined) flags |= bit;
  }
  return flags;
}

function extKeyUsageOids(names: readonly string[]): string[] {
  return names.map((n) => (/^\d+(\.\d+)+$/.test(n) ? n : EXT_KEY_USAGES[n.toLowerCase().replace(/^extkeyusage/, "")])).filter((o): o is string => o !== undefined);
}

/** A new serial number, as hex for the library: 19 or 20 random bytes below 2^159, never starting with a zero byte. */
export function newSerialHex(): string {
  const bytes = randomBytes(20);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString("hex");
}

/** Vault's form of a serial number: the hex of its big-endian bytes (no leading zero byte), colon-separated, lower case. */
export function vaultSerial(hex: string): string {
  let h = hex.toLowerCase().replace(/[^0-9a-f]/g, "");
  if (h.length % 2 === 1) h = `0${h}`;
  while (h.startsWith("00") && h.length > 2) h = h.slice(2);
  return h.match(/../g)!.join(":");
}

/** The subject or issuer name, as attributes (no DN-string escaping to get wrong). */
function nameOf(t: Pick<CertificateTemplate, "commonName" | "organization" | "ou">): Array<Record<string, string[]>> {
  const name: Array<Record<string, string[]>> = [];
  if (t.organization.length) name.push({ O: t.organization });
  if (t.ou.length) name.push({ OU: t.ou });
  if (t.commonName !== "") name.push({ CN: [t.commonName] });
  return name;
}

/**
 * The authority key identifier a CA's certificates carry, by CA certificate: a memo of a pure
 * function (architecture rule 1), so that issuing does not hash the CA's key again per certificate.
 */
const authorityKeyIds = new WeakMap<X509Certificate, Promise<Extension>>();

function authorityKeyId(x509: X509, ca: X509Certificate): Promise<Extension> {
  let ext = authorityKeyIds.get(ca);
  if (!ext) {
    ext = x509.AuthorityKeyIdentifierExtension.create(ca.publicKey);
    authorityKeyIds.set(ca, ext);
  }
  return ext;
}

/** Signs `t` by `signer` (null: self-signed by `self`, the template's own key). */
export async function buildCertificate(t: CertificateTemplate, signer: SigningCa | null, self?: GeneratedKey): Promise<X509Certificate> {
  const x509 = await loadX509();
  const signingKey = signer ? signer.key : self;
  if (!signingKey) throw new SecretsError("generic", "buildCertificate: a self-signed certificate needs its own key");
  const extensions = [];
  if (t.ca) {
    extensions.push(new x509.BasicConstraintsExtension(true, t.ca.maxPathLength >= 0 ? t.ca.maxPathLength : undefined, true));
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true));
  } else {
    extensions.push(new x509.BasicConstraintsExtension(false, undefined, true));
    const flags = keyUsageFlags(t.keyUsage ?? []);
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- a bit set of the enum's own values (KEY_USAGES), as the library's `|` of them is
    if (flags) extensions.push(new x509.KeyUsagesExtension(flags, true));
    const ekus = extKeyUsageOids(t.extKeyUsage ?? []);
    if (ekus.length) extensions.push(new x509.ExtendedKeyUsageExtension(ekus, false));
  }
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(t.publicKey));
  extensions.push(signer ? await authorityKeyId(x509, signer.certificate) : await x509.AuthorityKeyIdentifierExtension.create(t.publicKey));
  const sans = [...t.dnsNames.map((value) => ({ type: "dns" as const, value })), ...t.ipAddresses.map((value) => ({ type: "ip" as const, value }))];
  if (sans.length) extensions.push(new x509.SubjectAlternativeNameExtension(sans, false));
  const subject = nameOf(t);
  return x509.X509CertificateGenerator.create({
    serialNumber: newSerialHex(),
    subject,
    issuer: signer ? signer.certificate.subjectName : subject,
    notBefore: t.notBefore,
    notAfter: t.notAfter,
    publicKey: t.publicKey,
    signingKey: signingKey.keys.privateKey,
    signingAlgorithm: signingAlgorithm(signingKey.spec),
    extensions,
  });
}

/** The PEM of a certificate, as Vault writes it (no final newline). */
export function certificatePem(c: X509Certificate): string {
  return c.toString("pem").trim();
}

/** The certificates of a PEM bundle, in order. Kind `usage` when one does not parse. */
export async function parseCertificates(pem: string): Promise<X509Certificate[]> {
  const x509 = await loadX509();
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  try {
    return blocks.map((b) => new x509.X509Certificate(b));
  } catch (e) {
    throw new SecretsError("usage", "a certificate of the bundle could not be parsed", { cause: e });
  }
}

/** Go's time.RFC3339Nano of a UTC time (the fraction without trailing zeros). */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.?0+Z$/, "Z");
}
