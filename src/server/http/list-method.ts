import http from "node:http";
import https from "node:https";
import type net from "node:net";
import type tls from "node:tls";
import { ListMethodSocket } from "./list-method-socket.js";
import { DEFAULT_MAX_HEAD_BYTES } from "./request-framer.js";

/**
 * A node:http (or node:https) server that accepts Vault's `LIST` method.
 *
 * Node's HTTP/1 parser rejects `LIST` with 400 before any handler runs, and hvac (by default),
 * hashi-vault-js and node-vault-client send it. Rather than a second HTTP server implementation,
 * each connection's bytes pass through a request framer (`request-framer.ts`) that renames `LIST`
 * to `LINK` in request lines, and the handler asks {@link methodOf} for the method the client sent.
 *
 * How a renamed request is told from a genuine `LINK` (which stays `LINK`, and gets Vault's 405
 * from the router): the connection queues one flag per request head in the order it frames them,
 * and node:http creates one IncomingMessage per request head in the same order, through the
 * server's `IncomingMessage` class. Taking the flag in that constructor, rather than in a
 * 'request' listener, matters: node:http answers some requests itself without emitting 'request'
 * (417 for an unknown Expect, 503 past `maxRequestsPerSocket`, 400 without Host), and a queue
 * consumed by events would then pair later requests with the wrong flags. This is why this
 * module creates the server rather than attaching to one: the class is a construction option.
 *
 * For TLS the framer runs after decryption: it wraps the socket node:http receives on
 * 'secureConnection'. The server itself listens (not a front `net.Server` handing sockets over),
 * so node:http's request and headers timeouts, keep-alive timeout, `closeIdleConnections` and
 * `close` work as on any server; `req.socket.remoteAddress` is the real peer's.
 *
 * The parser is kept strict (`insecureHTTPParser: false` whatever the process flags say): the
 * framer follows llhttp's strict framing, and a lenient parser could frame some input otherwise.
 */

/** node:http's server options, less the two this module sets itself. */
export type ListMethodHttpOptions = Omit<http.ServerOptions, "IncomingMessage" | "insecureHTTPParser">;

export interface ListMethodServerOptions {
  /** node:http's options (timeouts, `maxHeaderSize`, `keepAliveTimeout`, ...). */
  http?: ListMethodHttpOptions;
  /**
   * The framer's cap on a request line plus headers (and on a chunk-size line, and on trailers):
   * past it the connection is no longer rewritten and node:http answers as it would. By default
   * Vault's 1 MiB, or twice node's `maxHeaderSize` when that is larger, so node's limit (431)
   * always comes first.
   */
  maxHeadBytes?: number;
}

export interface ListMethodHttpsOptions extends ListMethodServerOptions {
  /** TLS: certificate, key and the rest, as for `https.createServer`. */
  tls: tls.SecureContextOptions & tls.TlsOptions;
}

/** A request as node:http parsed it, plus whether its method on the wire was `LIST`. */
export class ListAwareIncomingMessage extends http.IncomingMessage {
  /** True when the client sent `LIST` (node:http then saw, and `method` says, `LINK`). */
  readonly listOnTheWire: boolean;

  constructor(socket: net.Socket) {
    super(socket);
    // node:http builds one message per request head, in parse order: each takes its own flag.
    const framed: unknown = socket;
    this.listOnTheWire = framed instanceof ListMethodSocket && framed.takeRequestWasList();
  }
}

/** The method the client sent: `LIST` for a request sent as LIST, otherwise node's `req.method`. */
export function methodOf(req: http.IncomingMessage): string {
  if (req instanceof ListAwareIncomingMessage && req.listOnTheWire) return "LIST";
  return req.method ?? "";
}

/**
 * Creates a server (not yet listening) whose requests may use `LIST`; handlers read the method
 * with {@link methodOf}. With `tls`, an https.Server.
 */
export function createListMethodServer(
  options: ListMethodServerOptions,
  onRequest?: http.RequestListener,
): http.Server;
export function createListMethodServer(
  options: ListMethodHttpsOptions,
  onRequest?: http.RequestListener,
): https.Server;
export function createListMethodServer(
  options: ListMethodServerOptions | ListMethodHttpsOptions,
  onRequest?: http.RequestListener,
): http.Server | https.Server {
  const httpOptions: http.ServerOptions = {
    ...options.http,
    IncomingMessage: ListAwareIncomingMessage,
    insecureHTTPParser: false,
  };
  const maxHeadBytes =
    options.maxHeadBytes ??
    Math.max(DEFAULT_MAX_HEAD_BYTES, 2 * (options.http?.maxHeaderSize ?? http.maxHeaderSize));
  if ("tls" in options) {
    const server = https.createServer({ ...options.tls, ...httpOptions }, onRequest);
    frameConnections(server, "secureConnection", maxHeadBytes);
    return server;
  }
  const server = http.createServer(httpOptions, onRequest);
  frameConnections(server, "connection", maxHeadBytes);
  return server;
}

/**
 * Puts a ListMethodSocket between the server's sockets and node:http's connection listener (on
 * 'connection' for plain HTTP, 'secureConnection' after the TLS handshake). Called right after
 * creation, when node:http's listener is the event's only one.
 */
function frameConnections(
  server: net.Server,
  event: "connection" | "secureConnection",
  maxHeadBytes: number,
): void {
  const parsers = server.listeners(event) as ((this: net.Server, socket: unknown) => void)[];
  server.removeAllListeners(event);
  server.on(event, (socket: net.Socket) => {
    const framed = new ListMethodSocket(socket, { maxHeadBytes });
    for (const parser of parsers) parser.call(server, framed);
  });
}
