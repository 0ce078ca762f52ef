/**
 * The mount's certificate revocation list (`pki/crl`, DER; `pki/crl/pem`), signed by its CA over
 * the revoked serials the repository lists (store.ts). Built on each request from that list, so a
 * merged revocation is in the next CRL with no cache to invalidate; `thisUpdate` is now and
 * `nextUpdate` 72 hours later (Vault's default CRL `expiry`), and the CRL number is the number of
 * seconds since the epoch, which grows with every new CRL as RFC 5280 asks.
 */
import type { SigningCa } from "./certificate.js";
import { signingAlgorithm } from "./keys.js";
import { loadX509 } from "./x509-lib.js";

/** A revoked certificate, as the list keeps it. */
export interface RevokedEntry {
  /** Colon-separated hex, as Vault writes serials. */
  serial_number: string;
  /** Unix seconds. */
  revocation_time: number;
  /** Unix seconds the certificate expires at (tidying may drop it after). */
  expiration: number;
}

/** Vault's default CRL expiry (`config/crl` `expiry`): 72h. */
export const CRL_LIFETIME_SECONDS = 72 * 3600;

export async function buildCrl(ca: SigningCa, revoked: readonly RevokedEntry[], nowMs: number): Promise<{ der: Uint8Array; pem: string }> {
  const x509 = await loadX509();
  const now = new Date(Math.floor(nowMs / 1000) * 1000);
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.certificate.subjectName,
    thisUpdate: now,
    nextUpdate: new Date(now.getTime() + CRL_LIFETIME_SECONDS * 1000),
    entries: revoked.map((r) => ({ serialNumber: r.serial_number.replace(/:/g, ""), revocationDate: new Date(r.revocation_time * 1000) })),
    signingKey: ca.key.keys.privateKey,
    signingAlgorithm: signingAlgorithm(ca.key.spec),
    extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey), crlNumber(x509, Math.floor(nowMs / 1000))],
  });
  const der = new Uint8Array(crl.rawData);
  // Vault's PEM type for a CRL is `X509 CRL` (the library writes `CRL`); openssl reads both.
  const body = Buffer.from(der).toString("base64").match(/.{1,64}/g)!.join("\n");
  return { der, pem: `-----BEGIN X509 CRL-----\n${body}\n-----END X509 CRL-----` };
}

/** The CRL number extension (2.5.29.20), non-critical, holding `n` as a DER INTEGER. */
function crlNumber(x509: Awaited<ReturnType<typeof loadX509>>, n: number): InstanceType<typeof x509.Extension> {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  const value = Buffer.from(`02${(hex.length / 2).toString(16).padStart(2, "0")}${hex}`, "hex");
  return new x509.Extension("2.5.29.20", false, value);
}
