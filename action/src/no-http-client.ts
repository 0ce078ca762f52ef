/**
 * Stands in for `@actions/http-client` in the bundle (see scripts/build-action.mjs). `@actions/core`
 * imports it only for `getIDToken` (OIDC), which this Action never calls, and importing it evaluates
 * undici at start-up: about 800 kB of the bundle and 40 ms of every run. The PR comment of
 * `policy-review` uses the global `fetch` instead.
 */
/* eslint-disable @typescript-eslint/no-extraneous-class -- these classes mirror the exports of the module they stand in for; only their names and constructors matter. */

function unavailable(): never {
  throw new Error("@actions/http-client is not bundled with this action");
}

export class HttpClient {
  constructor() {
    unavailable();
  }
}

export class BearerCredentialHandler {
  constructor() {
    unavailable();
  }
}
