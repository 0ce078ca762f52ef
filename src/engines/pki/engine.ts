/**
 * Vault's `pki` secrets engine as library code (no HTTP): each method is one of Vault's paths,
 * takes the request's fields (requests.ts reads them as Vault's framework does) and answers
 * Vault's response `data` and warnings. The server's mount (src/server/mounts/pki.ts) is a thin
 * router over it; anything else (a test, a CLI) can call it the same way.
 *
 * The CA's private key never leaves it: no answer holds it, except `root/generate/exported` and
 * `intermediate/generate/exported`, which hand the new key to the caller once (as Vault does).
 * Issued certificates' private keys are in the `issue` answer only, kept nowhere.
 *
 * There is no lease: as Vault's roles do by default (`generate_lease: false`), a certificate
 * simply expires, and `pki/revoke` puts its serial on the CRL.
 */
import { SecretsError } from "../../errors.js";
import { certifiesKey, generateIntermediateCsr, generateRoot, rootResponseData, signedIntermediate, signIntermediate } from "./authority.js";
import { certificatePem, parseCertificates, rfc3339Nano, vaultSerial, type SigningCa } from "./certificate.js";
import { buildCrl, type RevokedEntry } from "./crl.js";
import { issueCertificate, signCertificateRequest } from "./issuance.js";
import type { MountTtls } from "./not-after.js";
import type { IssuedRecords } from "./issued-records.js";
import { exportPrivateKey } from "./keys.js";
import { caInput, issueInput, revokeInput, setSignedInput, signIntermediateInput } from "./requests.js";
import { roleFileFromApi, roleResponseData } from "./role.js";
import type { Committer, RepositoryPkiStore } from "./store.js";

type Fields = Readonly<Record<string, unknown>>;

/** An answer: Vault's response data and warnings. */
export interface PkiAnswer {
  data: Record<string, unknown>;
  warnings: string[];
}

/** Vault's error when the mount has no CA to sign with (storage.go resolveIssuerReference). */
export const NO_DEFAULT_ISSUER = "no default issuer currently configured";

export interface PkiEngineOptions {
  /** The mount, without its slash. */
  mount: string;
  store: RepositoryPkiStore;
  records: IssuedRecords;
  /** The mount's lease TTLs (`sys/mounts` config): the default and cap of every certificate's lifetime. */
  ttls?: MountTtls;
  /** Milliseconds since the epoch (tests fix it). */
  now?: () => number;
}

export class PkiEngine {
  readonly type = "pki";
  readonly mount: string;
  readonly store: RepositoryPkiStore;
  readonly #records: IssuedRecords;
  readonly #now: () => number;
  readonly #ttls: MountTtls;

  constructor(opts: PkiEngineOptions) {
    this.mount = opts.mount;
    this.store = opts.store;
    this.#records = opts.records;
    this.#now = opts.now ?? Date.now;
    this.#ttls = opts.ttls ?? { defaultTtl: 0, maxTtl: 0 };
  }

  async #signer(): Promise<SigningCa> {
    const ca = await this.store.signingCa();
    if (!ca) throw new SecretsError("usage", NO_DEFAULT_ISSUER);
    return ca;
  }

  /** `root/generate/internal|exported`: a new root CA; replaces the mount's CA, in one commit. */
  async generateRoot(commit: Committer, type: "internal" | "exported", fields: Fields): Promise<PkiAnswer> {
    const root = await generateRoot(caInput(fields), this.#now(), this.#ttls);
    await this.store.writeCa(commit, root.key, [root.certificate], `${this.mount}: root/generate: a new root CA ${JSON.stringify(root.certificate.subject)} (serial ${vaultSerial(root.certificate.serialNumber)})`);
    return { data: await rootResponseData(root, type === "exported"), warnings: root.warnings };
  }

  /** `intermediate/generate/internal|exported`: a new key and its CSR; the mount issues nothing until `set-signed`. */
  async generateIntermediate(commit: Committer, type: "internal" | "exported", fields: Fields): Promise<PkiAnswer> {
    const { key, csr } = await generateIntermediateCsr(caInput(fields));
    await this.store.writeCa(commit, key, null, `${this.mount}: intermediate/generate: a new CA key, waiting for its certificate`);
    return { data: { csr, ...(type === "exported" ? { private_key: await exportPrivateKey(key), private_key_type: key.spec.type } : {}) }, warnings: [] };
  }

  /** `intermediate/set-signed`: the certificate (and chain) for the pending key. */
  async setSigned(commit: Committer, fields: Fields): Promise<PkiAnswer> {
    const { certificate } = setSignedInput(fields);
    if (certificate === "") throw new SecretsError("usage", `'pem_bundle' and 'certificate' parameters were empty`);
    const key = await this.store.caKey();
    if (!key) throw new SecretsError("usage", "no pending key: run intermediate/generate first");
    const signed = await signedIntermediate(certificate, key);
    await this.store.writeCa(commit, null, [signed.certificate, ...signed.chain], `${this.mount}: intermediate/set-signed: CA certificate ${JSON.stringify(signed.certificate.subject)} (serial ${vaultSerial(signed.certificate.serialNumber)})`);
    return { data: { imported_issuers: [vaultSerial(signed.certificate.serialNumber)], imported_keys: null }, warnings: [] };
  }

  /** `root/sign-intermediate`: another mount's intermediate CSR, signed by this CA. */
  async signIntermediate(fields: Fields): Promise<PkiAnswer> {
    const ca = await this.#signer();
    const { certificate, warnings } = await signIntermediate(ca, signIntermediateInput(fields), this.#now(), this.#ttls);
    const pem = certificatePem(certificate);
    const chain = [pem, ...[ca.certificate, ...ca.chain].map(certificatePem)];
    return {
      data: { certificate: pem, expiration: Math.floor(certificate.notAfter.getTime() / 1000), issuing_ca: certificatePem(ca.certificate), ca_chain: chain, serial_number: vaultSerial(certificate.serialNumber) },
      warnings,
    };
  }

  /** `roles/:name` read: Vault's role data, or null for none. */
  async readRole(name: string): Promise<PkiAnswer | null> {
    const role = await this.store.role(name);
    return role ? { data: roleResponseData(role), warnings: [] } : null;
  }

  /** `roles/:name` write: the role's file, from the fields given (Vault's defaults for the rest). */
  async writeRole(commit: Committer, name: string, fields: Fields): Promise<PkiAnswer> {
    const { file, ignored } = roleFileFromApi(fields);
    await this.store.writeRole(commit, name, file, `${this.mount}: roles/${name}: written`);
    const role = await this.store.role(name);
    const warnings = ignored.length ? [`Endpoint ignored these unrecognized parameters: [${ignored.join(" ")}]`] : [];
    return { data: role ? roleResponseData(role) : {}, warnings };
  }

  async deleteRole(commit: Committer, name: string): Promise<void> {
    await this.store.writeRole(commit, name, null, `${this.mount}: roles/${name}: deleted`);
  }

  listRoles(): Promise<string[]> {
    return this.store.roles();
  }

  async #role(name: string) {
    const role = await this.store.role(name);
    if (!role) throw new SecretsError("usage", `unknown role: ${name}`);
    return role;
  }

  /** `issue/:role`: a new key and its certificate, recorded by serial unless the role says `no_store`. */
  async issue(roleName: string, fields: Fields): Promise<PkiAnswer> {
    const role = await this.#role(roleName);
    const issued = await issueCertificate(await this.#signer(), role, issueInput(fields), this.#now(), this.#ttls);
    if (!role.noStore) await this.#records.put(issued.serialNumber, issued.certificate);
    return { data: issued.data, warnings: issued.warnings };
  }

  /** `sign/:role`: a certificate for a CSR's key. */
  async sign(roleName: string, fields: Fields): Promise<PkiAnswer> {
    const role = await this.#role(roleName);
    const issued = await signCertificateRequest(await this.#signer(), role, issueInput(fields), this.#now(), this.#ttls);
    if (!role.noStore) await this.#records.put(issued.serialNumber, issued.certificate);
    return { data: issued.data, warnings: issued.warnings };
  }

  /** The CA certificate as PEM (`ca/pem`, `cert/ca`), its DER (`ca`), or null when the mount has none. */
  async caCertificate(): Promise<{ pem: string; der: Uint8Array; chain: string } | null> {
    const certs = await this.store.caCertificates();
    if (!certs) return null;
    return { pem: certificatePem(certs[0]!), der: new Uint8Array(certs[0]!.rawData), chain: certs.map(certificatePem).join("\n") };
  }

  /** `cert/:serial`: a recorded certificate, with its revocation time (0 when not revoked); null when none. */
  async certificate(serial: string): Promise<PkiAnswer | null> {
    const colon = serial.toLowerCase().replace(/-/g, ":");
    const pem = await this.#records.get(colon);
    if (pem === null) return null;
    const revoked = (await this.store.revoked()).find((r) => r.serial_number === colon);
    return { data: { certificate: pem, revocation_time: revoked?.revocation_time ?? 0, revocation_time_rfc3339: revoked ? rfc3339Nano(new Date(revoked.revocation_time * 1000)) : "" }, warnings: [] };
  }

  /**
   * `revoke`: the certificate named by `serial_number` (recorded when issued) or given whole as
   * `certificate` (it must be one this CA signed), on the CRL from now. Revoking one already revoked
   * answers its first revocation; an expired one is not added (Vault's warning).
   */
  async revoke(commit: Committer, fields: Fields): Promise<PkiAnswer> {
    const input = revokeInput(fields);
    if (input.serialNumber !== "" && input.certificate !== "") throw new SecretsError("usage", "Must provide either the certificate or the serial to revoke; not both.");
    if (input.serialNumber === "" && input.certificate === "") throw new SecretsError("usage", "The serial number must be provided");
    const ca = await this.#signer();
    let pem: string | null;
    if (input.certificate !== "") {
      pem = input.certificate;
    } else {
      pem = await this.#records.get(input.serialNumber.toLowerCase().replace(/-/g, ":"));
      if (pem === null) throw new SecretsError("usage", `certificate with serial ${input.serialNumber} not found.`);
    }
    const [cert] = await parseCertificates(pem);
    if (!cert) throw new SecretsError("usage", "no data found in PEM block");
    if (!(await cert.verify({ publicKey: ca.certificate.publicKey, signatureOnly: true }).catch(() => false))) {
      throw new SecretsError("usage", "certificate was not issued by this mount's CA");
    }
    const serial = vaultSerial(cert.serialNumber);
    if (serial === vaultSerial(ca.certificate.serialNumber) || (await certifiesKey(cert, ca.key))) throw new SecretsError("usage", "adding issuer to its own CRL is not allowed");
    const nowMs = this.#now();
    if (cert.notAfter.getTime() < nowMs + 2000) {
      return { data: {}, warnings: [`certificate with serial ${serial} already expired; refusing to add to CRL. Enable 'AllowExpiredCertRevocation' to allow revoking expired certificates.`] };
    }
    const entry: RevokedEntry = { serial_number: serial, revocation_time: Math.floor(nowMs / 1000), expiration: Math.floor(cert.notAfter.getTime() / 1000) };
    const inForce = await this.store.addRevoked(commit, entry, `${this.mount}: revoke: certificate ${serial}`);
    return { data: { revocation_time: inForce.revocation_time, revocation_time_rfc3339: rfc3339Nano(new Date(inForce.revocation_time * 1000)), state: "revoked" }, warnings: [] };
  }

  /** The CRL, DER and PEM, signed now over the revoked list; null when the mount has no CA. */
  async crl(): Promise<{ der: Uint8Array; pem: string } | null> {
    const ca = await this.store.signingCa();
    if (!ca) return null;
    return buildCrl(ca, await this.store.revoked(), this.#now());
  }
}
