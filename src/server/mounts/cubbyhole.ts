/**
 * The `cubbyhole/` mount: each token's private key/value space, as vault/logical_cubbyhole.go
 * answers it. The request's token names the cubbyhole (its stored hash: cubbyhole/store.ts), so a
 * token sees only its own and no policy can open another's; the default policy grants
 * `cubbyhole/*` to every token.
 *
 * - read `cubbyhole/<path>`: 200 with the object written there as `data`; nothing there: 404
 *   `{"errors":[]}`; the mount's own path: 500 `missing path` (a handler error, as Vault);
 * - write (POST/PUT, `create` or `update` by the existence check): the whole body replaces what
 *   was there, 204; an empty body: 500 `missing data fields`; a body that is not a JSON object:
 *   400 `error parsing JSON`;
 * - delete: 204, whether or not there was anything;
 * - list: the keys directly below (folders end in `/`), sorted; none: 404 `{"errors":[]}`.
 *
 * Values are not versioned and never leave the state directory. A token's cubbyhole goes when
 * the token does (token-registry.ts), children revoked with their parent included.
 */
import { hashToken } from "../../auth/tokens/format.js";
import { envelope } from "../envelope.js";
import type { CubbyholeStore } from "../cubbyhole/store.js";
import { errorReply, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { envelopeJson } from "../vault-json.js";
import type { LogicalRequest, Mount } from "./mount.js";

export const CUBBYHOLE_MOUNT_TYPE = "cubbyhole";

/** How often a cubbyhole request may also sweep the cubbyholes of tokens that ended (expired) since. */
const SWEEP_EVERY_SECONDS = 60;

export interface CubbyholeMountDeps {
  readonly store: CubbyholeStore;
  /** Whether the token still lives (asked under the cubbyhole's lock before a write). */
  readonly live: (token: string, now: number) => Promise<boolean>;
  /** Removes the cubbyholes of tokens that no longer live. */
  readonly sweep: (now: number) => Promise<void>;
}

function dataReply(req: LogicalRequest, data: Record<string, unknown>): Reply {
  return { status: 200, body: envelopeJson({ ...envelope(req.id, CUBBYHOLE_MOUNT_TYPE, data) }), auditData: data as Reply["auditData"] };
}

/** A handler error returned as an error value: Vault's 500 with the message in a multierror. */
const handlerError = (message: string): Reply => errorReply(500, multiError(message));

export function cubbyholeMount(deps: CubbyholeMountDeps): Mount {
  let lastSweep = 0;
  return {
    point: "cubbyhole/",
    type: CUBBYHOLE_MOUNT_TYPE,
    async exists(path, token) {
      return path !== "" && (await deps.store.read(hashToken(token), path)) !== null;
    },
    async handle(req) {
      if (req.now - lastSweep >= SWEEP_EVERY_SECONDS) {
        lastSweep = req.now;
        await deps.sweep(req.now);
      }
      const token = req.token!;
      const id = hashToken(token);
      const live = (): Promise<boolean> => deps.live(token, req.now);
      switch (req.operation) {
        case "read": {
          if (req.path === "") return handlerError("missing path");
          const data = await deps.store.read(id, req.path);
          return data === null ? errorReply(404) : dataReply(req, data);
        }
        case "create":
        case "update": {
          const body = req.body;
          if (body !== null && (typeof body !== "object" || Array.isArray(body))) return errorReply(400, "error parsing JSON");
          if (body === null || Object.keys(body).length === 0) return handlerError("missing data fields");
          if (req.path === "") return handlerError("missing path");
          await deps.store.write(id, req.path, body as Record<string, unknown>, live);
          return { status: 204 };
        }
        case "delete":
          await deps.store.delete(id, req.path, live);
          return { status: 204 };
        case "list": {
          const keys = await deps.store.list(id, req.path === "" || req.path.endsWith("/") ? req.path : `${req.path}/`);
          return keys.length === 0 ? errorReply(404) : dataReply(req, { keys });
        }
        default:
          return errorReply(405, multiError(UNSUPPORTED_OPERATION));
      }
    },
  };
}
