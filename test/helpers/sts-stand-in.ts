/**
 * A stand-in for AWS STS on loopback, for contract tests (there is no real STS on these machines).
 * It speaks STS's Query protocol as the service does — a form-encoded POST with `Action` and
 * `Version=2011-06-15`, answered with STS's XML (or its `ErrorResponse`) — and checks what a real
 * STS checks of a signed request: the SigV4 `Authorization` header's shape, that `host` and
 * `x-amz-date` are signed, that `X-Amz-Date` is a fresh `YYYYMMDDTHHMMSSZ`, and the signature
 * itself, recomputed from the canonical request with the secret key it knows for the access key.
 * AssumeRoleWithWebIdentity must come unsigned, with the token it expects.
 *
 * Each answer carries new random keys, so a test can look for them in outputs that must not hold them.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface StsCall {
  action: string;
  params: Record<string, string>;
  /** The access key id the request was signed with; null when unsigned. */
  signedBy: string | null;
  signedHeaders: string[];
}

export interface IssuedKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface StsStandIn {
  url: string;
  region: string;
  calls: StsCall[];
  issued: IssuedKeys[];
  /** Requests refused (bad signature, bad shape), with the reason: a test expects none. */
  refused: string[];
  /** Set to make the next calls fail with this STS error code (AccessDenied…). */
  failWith: { code: string; message: string; status: number } | null;
  close(): Promise<void>;
}

export interface StsStandInOptions {
  /** access key id → secret key accepted for signed calls. */
  keys: Record<string, string>;
  /** Role ARNs that exist. */
  roles: string[];
  /** The web identity token AssumeRoleWithWebIdentity accepts. */
  webIdentityToken?: string;
  region?: string;
}

const sha256 = (s: string | Buffer): string => createHash("sha256").update(s).digest("hex");
const hmac = (key: string | Buffer, s: string): Buffer => createHmac("sha256", key).update(s).digest();

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** RFC 3986 encoding as SigV4 wants it. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function newKeys(): IssuedKeys {
  return {
    accessKeyId: "ASIA" + randomBytes(8).toString("hex").toUpperCase(),
    secretAccessKey: randomBytes(30).toString("base64").replace(/[^A-Za-z0-9]/g, "x"),
    sessionToken: "FwoG" + randomBytes(60).toString("base64").replace(/[^A-Za-z0-9]/g, "y"),
  };
}

export async function startStsStandIn(options: StsStandInOptions): Promise<StsStandIn> {
  const region = options.region ?? "us-east-1";
  const state: Omit<StsStandIn, "url" | "close"> = { region, calls: [], issued: [], refused: [], failWith: null };

  /** The access key id when the signature checks out; a string reason otherwise. */
  function verify(req: http.IncomingMessage, body: string): { ok: string } | { refused: string } | null {
    const auth = req.headers.authorization;
    if (auth === undefined) return null;
    const m = /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/sts\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return { refused: "Authorization is not a SigV4 header for sts" };
    const [, accessKey, day, signedRegion, signedHeadersText, signature] = m as unknown as [string, string, string, string, string, string];
    const secret = options.keys[accessKey];
    if (secret === undefined) return { refused: "unknown access key" };
    if (signedRegion !== region) return { refused: `signed for region ${signedRegion}` };
    const amzDate = req.headers["x-amz-date"];
    if (typeof amzDate !== "string" || !/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(day)) return { refused: "X-Amz-Date missing or not the credential's day" };
    const when = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
    if (Math.abs(Date.now() - when) > 5 * 60_000) return { refused: "X-Amz-Date is not within 5 minutes" };
    const signedHeaders = signedHeadersText.split(";");
    if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date")) return { refused: "host and x-amz-date must be signed" };
    const url = new URL(req.url ?? "/", "http://stand-in");
    const query = [...url.searchParams.entries()].map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).sort().join("&");
    const headers = signedHeaders.map((h) => {
      const v = req.headers[h];
      return `${h}:${(Array.isArray(v) ? v.join(",") : (v ?? "")).trim().replace(/\s+/g, " ")}\n`;
    });
    const canonical = [req.method, url.pathname, query, headers.join(""), signedHeadersText, sha256(body)].join("\n");
    const scope = `${day}/${signedRegion}/sts/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
    const key = hmac(hmac(hmac(hmac("AWS4" + secret, day), signedRegion), "sts"), "aws4_request");
    const expected = createHmac("sha256", key).update(toSign).digest("hex");
    if (expected !== signature) return { refused: "SignatureDoesNotMatch" };
    return { ok: accessKey };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const reply = (status: number, xml: string): void => {
        res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": "c0ffee00-0000-4000-8000-000000000000" });
        res.end(xml);
      };
      const error = (status: number, code: string, message: string): void =>
        reply(status, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>c0ffee00-0000-4000-8000-000000000000</RequestId></ErrorResponse>`);
      if (req.method !== "POST" || !/^application\/x-www-form-urlencoded/.test(req.headers["content-type"] ?? "")) {
        state.refused.push("not a form POST");
        error(400, "InvalidAction", "not a form POST");
        return;
      }
      const params = Object.fromEntries(new URLSearchParams(body));
      const action = params.Action ?? "";
      delete params.Action;
      if (params.Version !== "2011-06-15") {
        state.refused.push("Version is not 2011-06-15");
        error(400, "InvalidParameterValue", "bad Version");
        return;
      }
      delete params.Version;
      const signature = verify(req, body);
      if (signature && "refused" in signature) {
        state.refused.push(signature.refused);
        error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.");
        return;
      }
      const signedBy = signature ? signature.ok : null;
      state.calls.push({ action, params, signedBy, signedHeaders: signature ? ((req.headers.authorization ?? "").match(/SignedHeaders=([^,]+)/)?.[1] ?? "").split(";") : [] });
      const unsignedAction = action === "AssumeRoleWithWebIdentity";
      if (unsignedAction !== (signedBy === null)) {
        state.refused.push(`${action} ${signedBy === null ? "unsigned" : "signed"}`);
        error(403, "MissingAuthenticationToken", "Request is missing Authentication Token");
        return;
      }
      if (state.failWith) {
        error(state.failWith.status, state.failWith.code, state.failWith.message);
        return;
      }
      const duration = Number(params.DurationSeconds ?? "3600");
      if (!Number.isInteger(duration) || duration < 900 || duration > 129_600) {
        error(400, "ValidationError", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900");
        return;
      }
      const keys = newKeys();
      const expiration = new Date(Math.floor(Date.now() / 1000) * 1000 + duration * 1000).toISOString().replace(".000Z", "Z");
      const credentials = `<Credentials><AccessKeyId>${keys.accessKeyId}</AccessKeyId><SecretAccessKey>${keys.secretAccessKey}</SecretAccessKey><SessionToken>${keys.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>`;
      const wrap = (inner: string): string =>
        `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>c0ffee00-0000-4000-8000-000000000000</RequestId></ResponseMetadata></${action}Response>`;
      switch (action) {
        case "AssumeRole":
        case "AssumeRoleWithWebIdentity": {
          const arn = params.RoleArn ?? "";
          if (!options.roles.includes(arn)) {
            error(403, "AccessDenied", `User is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
            return;
          }
          if (action === "AssumeRoleWithWebIdentity" && params.WebIdentityToken !== options.webIdentityToken) {
            error(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider");
            return;
          }
          const session = params.RoleSessionName ?? "";
          const assumed = arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/" + session;
          state.issued.push(keys);
          reply(200, wrap(`${credentials}<AssumedRoleUser><AssumedRoleId>AROA0000000000EXAMPLE:${xmlEscape(session)}</AssumedRoleId><Arn>${xmlEscape(assumed)}</Arn></AssumedRoleUser>`));
          return;
        }
        case "GetSessionToken":
          state.issued.push(keys);
          reply(200, wrap(credentials));
          return;
        case "GetFederationToken":
          state.issued.push(keys);
          reply(200, wrap(`${credentials}<FederatedUser><FederatedUserId>123456789012:${xmlEscape(params.Name ?? "")}</FederatedUserId><Arn>arn:aws:sts::123456789012:federated-user/${xmlEscape(params.Name ?? "")}</Arn></FederatedUser>`));
          return;
        default:
          error(400, "InvalidAction", `Could not find operation ${action}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
