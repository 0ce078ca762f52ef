/**
 * Where the AWS engine finds a web identity token when it has no key of its own, so that it can
 * assume a role through AssumeRoleWithWebIdentity with no stored AWS key at all:
 *
 * 1. `AWS_WEB_IDENTITY_TOKEN_FILE`: a file holding the token, as the AWS SDKs read it (EKS, a
 *    token a CI system wrote);
 * 2. GitHub Actions' OIDC token of the job (`ACTIONS_ID_TOKEN_REQUEST_URL` and
 *    `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, present when the workflow grants `id-token: write`), asked
 *    for with the audience `sts.amazonaws.com`, as aws-actions/configure-aws-credentials does.
 *
 * The token is a bearer credential: it is handed to the STS call and nowhere else, never cached
 * past the call, and no message quotes it or the request token.
 */
import { promises as fsp } from "node:fs";
import { SecretsError } from "../../errors.js";

/** A source of the token: null when none is available. */
export type WebIdentityTokenSource = () => Promise<string | null>;

/** The audience AWS's IAM OIDC providers expect of a GitHub token. */
export const STS_AUDIENCE = "sts.amazonaws.com";

const TIMEOUT_MS = 10_000;

type Env = Readonly<Record<string, string | undefined>>;

/** The token from the environment, as described above; `fetchFn` is the HTTP client (global fetch). */
export function webIdentityTokenFromEnv(env: Env, fetchFn: typeof fetch = fetch): WebIdentityTokenSource {
  return async () => {
    const file = env.AWS_WEB_IDENTITY_TOKEN_FILE;
    if (file) {
      try {
        const token = (await fsp.readFile(file, "utf8")).trim();
        if (token) return token;
      } catch {
        throw new SecretsError("read-input", "could not read the web identity token file (AWS_WEB_IDENTITY_TOKEN_FILE)");
      }
    }
    const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
    const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    if (!url || !bearer) return null;
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new SecretsError("config", "ACTIONS_ID_TOKEN_REQUEST_URL is not a URL");
    }
    target.searchParams.set("audience", STS_AUDIENCE);
    let body: unknown;
    try {
      const res = await fetchFn(target, { headers: { authorization: `bearer ${bearer}`, accept: "application/json" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!res.ok) throw new SecretsError("engine-failed", `GitHub's OIDC token endpoint answered ${res.status}`);
      body = await res.json();
    } catch (e) {
      if (e instanceof SecretsError) throw e;
      throw new SecretsError("engine-unavailable", "could not get the job's OIDC token from GitHub (does the workflow grant id-token: write?)");
    }
    const value = typeof body === "object" && body !== null ? (body as Record<string, unknown>).value : undefined;
    if (typeof value !== "string" || value === "") throw new SecretsError("engine-failed", "GitHub's OIDC token endpoint answered without a token");
    return value;
  };
}
