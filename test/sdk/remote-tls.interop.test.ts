import { execFileSync } from "node:child_process";
import net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsClient, ServerUnavailable } from "../../src/index.js";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, startServe, VALUES, type Served } from "../server/serve-helpers.js";
import { caught } from "./remote-helpers.js";

/**
 * The SDK's client of a server over https: `secrets serve --tls-cert --tls-key` with a certificate
 * OpenSSL makes for 127.0.0.1, trusted through VAULT_CACERT (as the vault CLI and hvac take it);
 * refused without it, and not retried (a refused certificate is refused again).
 */

let sb: Sandbox;
let served: Served;
/** A TCP pipe to the server on loopback that counts the connections made through it (TLS passes through). */
let pipe: net.Server;
let pipeUrl: string;
let connections = 0;
const saved = process.env.VAULT_CACERT;

beforeAll(async () => {
  sb = await buildFixture();
  const cert = join(sb.dir, "cert.pem");
  const key = join(sb.dir, "key.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  served = await startServe(sb, ["--tls-cert", cert, "--tls-key", key]);
  const port = Number(new URL(served.url).port);
  pipe = net.createServer((socket) => {
    connections++;
    const up = net.connect(port, "127.0.0.1");
    socket.pipe(up).pipe(socket);
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
  });
  await new Promise<void>((resolve) => pipe.listen(0, "127.0.0.1", resolve));
  pipeUrl = `https://127.0.0.1:${(pipe.address() as net.AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  if (saved === undefined) delete process.env.VAULT_CACERT;
  else process.env.VAULT_CACERT = saved;
  await new Promise((resolve) => (pipe ? pipe.close(resolve) : resolve(undefined)));
  await served?.stop();
  sb?.cleanup();
});

describe("https", () => {
  it("VAULT_CACERT names the CA: reads over keep-alive TLS", async () => {
    expect(served.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    process.env.VAULT_CACERT = join(sb.dir, "cert.pem");
    const c = new SecretsClient({ url: pipeUrl, token: served.rootToken! });
    for (const p of ["app/password", "team/db/user", "app/n"]) await c.get(p);
    expect(await c.getMany(["app/password", "team/db/user"])).toEqual({ "app/password": VALUES[1], "team/db/user": VALUES[2] });
    expect(connections).toBeLessThanOrEqual(2);
    c.close();
  });

  it("without the CA: ServerUnavailable naming the certificate error, after one attempt", async () => {
    delete process.env.VAULT_CACERT;
    connections = 0;
    const e = await caught(new SecretsClient({ url: pipeUrl, token: served.rootToken! }).get("app/password"));
    expect(e).toBeInstanceOf(ServerUnavailable);
    expect((e as Error).message).toMatch(/^no answer from the server at https:\/\/127\.0\.0\.1:\d+: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/);
    expect(connections).toBe(1);
  });
});
