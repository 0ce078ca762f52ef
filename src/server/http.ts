/**
 * The listener: node:http (node:https with a certificate), accepting Vault's LIST verb
 * (http/list-method.ts), and its shutdown. `close()` is what SIGTERM does: stop accepting, let the
 * requests in flight finish (idle keep-alive connections are closed at once, busy ones as soon as
 * their response is written), then close the audit device, which flushes its file. Connections
 * still busy after `graceMs` are cut.
 */
import type http from "node:http";
import type net from "node:net";
import { createListMethodServer } from "./http/list-method.js";
import { requestListener, type ServerContext } from "./handler.js";
import type { ListenAddress } from "./listen-address.js";

export interface ListenOptions {
  listen: ListenAddress;
  /** PEM certificate chain and key: HTTPS. */
  tls?: { cert: Buffer; key: Buffer };
  context: ServerContext;
  /** How long `close()` waits for requests in flight (default 10 s). */
  graceMs?: number;
}

export interface RunningServer {
  /** `http://host:port` (or https), with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** Stop accepting, finish in-flight requests, close the audit device. */
  close(): Promise<void>;
  /** Reopen the audit file (SIGHUP, after logrotate moved it). */
  reopenAudit(): Promise<void>;
}

export async function listen(options: ListenOptions): Promise<RunningServer> {
  const handler = requestListener(options.context);
  let closing = false;
  // Pipelined requests are answered one after the other, each handled only once the one before it
  // on its connection has been answered, as Go's net/http serves a connection (conn.serve reads the
  // next request after the handler returns). Node emits every parsed request at once; without this
  // a pipelined write and read of one secret would race, where Vault answers the read after the write.
  const turns = new WeakMap<net.Socket, Promise<void>>();
  // The responses not yet sent: when stopping, each says `Connection: close`, as Go's server
  // writes it on a response once Shutdown has begun (keep-alives off).
  const inFlight = new Set<http.ServerResponse>();
  const onRequest: http.RequestListener = (req, res) => {
    inFlight.add(res);
    const answered = new Promise<void>((resolve) => res.once("close", resolve));
    res.once("close", () => {
      inFlight.delete(res);
      if (closing) server.closeIdleConnections();
    });
    const previous = turns.get(req.socket);
    turns.set(req.socket, (previous ?? Promise.resolve()).then(() => answered));
    const run = (): void => {
      // The client went away while an earlier request was answered: Go would read no more requests from it.
      if (req.socket.destroyed) {
        res.destroy();
        return;
      }
      if (closing) res.setHeader("Connection", "close");
      handler(req, res);
    };
    if (previous) void previous.then(run);
    else run();
  };
  // Vault's listener defaults: no header timeout beyond node's; requests may take a while (git).
  const server: http.Server = options.tls ? createListMethodServer({ tls: { cert: options.tls.cert, key: options.tls.key } }, onRequest) : createListMethodServer({}, onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as net.AddressInfo;
  const host = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  const url = `${options.tls ? "https" : "http"}://${host}:${bound.port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    port: bound.port,
    close() {
      closed ??= (async () => {
        closing = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader("Connection", "close");
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), options.graceMs ?? 10_000);
        timer.unref();
        await done;
        clearTimeout(timer);
        await options.context.audit?.close();
      })();
      return closed;
    },
    reopenAudit: () => options.context.audit?.reopen() ?? Promise.resolve(),
  };
}
