/**
 * `--listen HOST:PORT` (Vault's listener `address`, default `127.0.0.1:8200`), and the rule that a
 * listener off loopback must use TLS unless the operator says otherwise: tokens and secret values
 * cross the wire in every request. Vault makes the same choice the other way round (`tls_disable`
 * must be set explicitly to serve plain HTTP at all).
 */
import net from "node:net";
import { z } from "zod";
import { SecretsError } from "../errors.js";

export const DEFAULT_LISTEN = "127.0.0.1:8200";

export interface ListenAddress {
  host: string;
  port: number;
}

const Port = z.coerce.number().int().min(0).max(65535);

/** `host:port` or `[v6]:port`; kind `usage` for anything else. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Port.safeParse(m?.[3]);
  if (!m || !host || !port.success || (m[1] !== undefined && !net.isIPv6(m[1]))) {
    throw new SecretsError("usage", "--listen takes HOST:PORT (e.g. 127.0.0.1:8200, [::1]:8200)");
  }
  return { host, port: port.data };
}

/** Whether connections to `host` stay on this machine. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (net.isIPv4(host)) return host.startsWith("127.");
  if (net.isIPv6(host)) return host === "::1" || /^::ffff:127\./i.test(host);
  return false;
}

/** Refuses a plain-HTTP listener off loopback unless `insecure` (kind `usage`). */
export function checkListenSecurity(address: ListenAddress, tls: boolean, insecure: boolean): void {
  if (tls || insecure || isLoopback(address.host)) return;
  throw new SecretsError("usage", `refusing to serve plain HTTP on ${address.host}, which is not a loopback address: give --tls-cert and --tls-key, or --insecure-listen to accept that tokens and secrets cross the network in clear`);
}
