/**
 * @peculiar/x509, loaded on first use (a server without a `pki` mount, and every other command,
 * never parses it), after the Reflect metadata it needs (reflect-metadata-shim.ts): the import of
 * the library runs tsyringe's check at once, so the shim must be in place before it is evaluated.
 * Certificates, requests and CRLs are built with it over Node's WebCrypto.
 */
import { webcrypto } from "node:crypto";
import { installReflectMetadata } from "./reflect-metadata-shim.js";

export type X509 = typeof import("@peculiar/x509");

/** A memo of a pure import (architecture rule 1 allows lazily imported libraries). */
let loading: Promise<X509> | undefined;

/** The library, with Node's WebCrypto as its provider. */
export function loadX509(): Promise<X509> {
  loading ??= (async () => {
    installReflectMetadata();
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    return x509;
  })();
  return loading;
}
