/**
 * A stand-in for the GitHub REST API on 127.0.0.1 (tests have no network): it serves the
 * issue-comment endpoints the review mode uses, from an in-memory list, and records every request.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface FakeGitHub {
  url: string;
  requests: RecordedRequest[];
  comments: Array<{ id: number; body: string }>;
  /** Status to answer POST/PATCH with instead of doing them (e.g. 403). */
  failWrites: number | null;
  close(): Promise<void>;
}

export async function startFakeGitHub(opts: { comments?: Array<{ id: number; body: string }> } = {}): Promise<FakeGitHub> {
  const state: Omit<FakeGitHub, "url" | "close"> = { requests: [], comments: opts.comments ?? [], failWrites: null };
  let nextId = 1000;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const body = text ? JSON.parse(text) : undefined;
      state.requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
      const url = new URL(req.url!, "http://127.0.0.1");
      const send = (status: number, data?: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(data === undefined ? "" : JSON.stringify(data));
      };
      const list = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
      const one = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(url.pathname);
      if (list && req.method === "GET") {
        const per = Number(url.searchParams.get("per_page") ?? 30);
        const page = Number(url.searchParams.get("page") ?? 1);
        return send(200, state.comments.slice((page - 1) * per, page * per).map((c) => ({ ...c, user: { login: "github-actions[bot]" } })));
      }
      if (list && req.method === "POST") {
        if (state.failWrites) return send(state.failWrites, { message: "Resource not accessible by integration" });
        const c = { id: nextId++, body: (body as { body: string }).body };
        state.comments.push(c);
        return send(201, c);
      }
      if (one && req.method === "PATCH") {
        if (state.failWrites) return send(state.failWrites, { message: "Resource not accessible by integration" });
        const c = state.comments.find((x) => x.id === Number(one[3]));
        if (!c) return send(404, { message: "Not Found" });
        c.body = (body as { body: string }).body;
        return send(200, c);
      }
      send(404, { message: "Not Found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as FakeGitHub;
}
