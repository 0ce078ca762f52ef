import http from "node:http";
import https from "node:https";
import type net from "node:net";
import type tls from "node:tls";
import { DEFAULT_MAX_HEAD_BYTES, RequestFramer } from "./request-framer.js";

/**
 * A node:http (or node:https) server that accepts Vault's `LIST` method.
 *
 * Node's HTTP/1 parser rejects `LIST` with 400 before any handler runs, and hvac (by default),
 * hashi-vault-js and node-vault-client send it. Rather than a second HTTP server implementation,
 * each connection's bytes are seen by a request framer (`request-framer.ts`) that renames `LIST`
 * to `LINK` in request lines, in place, and the handler asks {@link methodOf} for the method the
 * client sent.
 *
 * How the framer sees the bytes first: a `'data'` listener put in front of node:http's own on the
 * connection's socket. node:http then reads that socket in JavaScript (adding a 'data' listener
 * makes it stop parsing the socket natively, `parser.consume`, as it does for any such listener)
 * and hands each chunk to its parser after the framer has edited it. An earlier version put a
 * Duplex stream between the socket and node:http; that cost one more stream on every chunk read
 * and every response written, and held sys/health to ~0.6x a bare server's throughput.
 *
 * How a renamed request is told from a genuine `LINK` (which stays `LINK`, and gets Vault's 405
 * from the router): the connection queues one flag per request head in the order it frames them,
 * and node:http creates one IncomingMessage per request head in the same order, through the
 * server's `IncomingMessage` class. Taking the flag in that constructor, rather than in a
 * 'request' listener, matters: node:http answers some requests itself without emitting 'request'
 * (417 for an unknown Expect, 503 past `maxRequestsPerSocket`, 400 without Host), and a queue
 * consumed by events would then pair later requests with the wrong flags. This is why this
 * module creates the server rather than attaching to one: the class is a construction option,
 * made per server, so that the queues (by socket) are the server's and no module's.
 *
 * For TLS the framer runs after decryption: it listens on the socket node:http receives on
 * 'secureConnection'. The socket node:http serves is the real one, so its timeouts, keep-alive,
 * `closeIdleConnections`, `close`, addresses and TLS details are node's own.
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

  constructor(socket: net.Socket, listOnTheWire = false) {
    super(socket);
    this.listOnTheWire = listOnTheWire;
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
  // Per request head framed and not yet parsed by node:http, by connection: was it LIST? Oldest first.
  const queues = new WeakMap<net.Socket, boolean[]>();
  class IncomingMessage extends ListAwareIncomingMessage {
    constructor(socket: net.Socket) {
      // node:http builds one message per request head, in parse order: each takes its own flag.
      super(socket, queues.get(socket)?.shift() ?? false);
    }
  }
  const httpOptions: http.ServerOptions = {
    ...options.http,
    IncomingMessage,
    insecureHTTPParser: false,
  };
  const maxHeadBytes =
    options.maxHeadBytes ??
    Math.max(DEFAULT_MAX_HEAD_BYTES, 2 * (options.http?.maxHeaderSize ?? http.maxHeaderSize));
  const frame = (socket: net.Socket): void => {
    const queue: boolean[] = [];
    queues.set(socket, queue);
    const framer = new RequestFramer((isList) => queue.push(isList), { maxHeadBytes });
    // In front of node:http's listener, which was added when it took the connection (see above).
    socket.prependListener("data", (chunk: Buffer) => framer.push(chunk));
  };
  if ("tls" in options) {
    const server = https.createServer({ ...options.tls, ...httpOptions }, onRequest);
    server.on("secureConnection", frame);
    return server;
  }
  const server = http.createServer(httpOptions, onRequest);
  server.on("connection", frame);
  return server;
}

/**
 * Makes the coming close of `socket` (node:http's, after a response with `Connection: close`) a
 * lingering one, as Go's net/http closes a connection after refusing a body it did not read
 * (conn.closeWriteAndWait, for a body past MaxBytesReader's limit): once the response is flushed,
 * the write side is shut (FIN) and the socket is destroyed only `ms` later, what the client still
 * sends being read and dropped meanwhile (no longer parsed). Closing at once, with the client's
 * unread bytes pending, makes the kernel answer with a reset, and a client still sending may then
 * lose the response it had not read yet.
 */
export function lingerOnClose(socket: net.Socket, ms = 500): void {
  // node:http ends a connection it will not keep with `destroySoon()` once the response is written.
  socket.destroySoon = function lingeringDestroySoon(this: net.Socket): void {
    if (this.writable) this.end();
    const linger = (): void => {
      this.removeAllListeners("data");
      this.on("data", () => undefined);
      this.resume();
      const timer = setTimeout(() => this.destroy(), ms);
      this.once("close", () => clearTimeout(timer));
    };
    if (this.writableFinished) linger();
    else this.once("finish", linger);
  };
}
