import { SecretsError, type ErrorKind } from "../errors.js";

/**
 * The typed errors of the secret-path layer and the SDK. Each is a SecretsError (so the CLI prints it
 * like any other, once, with its exit code) whose message names paths and files only. None keeps a
 * `cause` that is not itself a SecretsError: a foreign error's message may quote input.
 */

function keptCause(cause: unknown): unknown {
  return cause instanceof SecretsError ? cause : undefined;
}

export interface TypedErrorOptions {
  file?: string;
  cause?: unknown;
}

function baseOptions(o: TypedErrorOptions): { file?: string; cause?: unknown } {
  const out: { file?: string; cause?: unknown } = {};
  if (o.file !== undefined) out.file = o.file;
  const cause = keptCause(o.cause);
  if (cause !== undefined) out.cause = cause;
  return out;
}

/** No secret at this path: no file holds it, or the file has no such key. */
export class SecretNotFound extends SecretsError {
  /** The secret path(s) asked for, as given. */
  readonly secretPaths: readonly string[];
  constructor(secretPaths: string | readonly string[], message: string, options: TypedErrorOptions = {}) {
    super("not-found", message, baseOptions(options));
    this.name = "SecretNotFound";
    this.secretPaths = typeof secretPaths === "string" ? [secretPaths] : [...secretPaths];
  }
}

/** None of the available age identities can open the file's data key. */
export class NoMatchingKey extends SecretsError {
  constructor(message: string, options: TypedErrorOptions = {}) {
    super("no-key", message, baseOptions(options));
    this.name = "NoMatchingKey";
  }
}

/** The file cannot be trusted: MAC mismatch, a value that fails authentication, broken metadata or syntax. */
export class IntegrityError extends SecretsError {
  constructor(kind: ErrorKind, message: string, options: TypedErrorOptions = {}) {
    super(kind, message, baseOptions(options));
    this.name = "IntegrityError";
  }
}

/** The `.sops.yaml` policy does not allow or describe what was asked (no rule, no keys, metadata it would encrypt). */
export class PolicyError extends SecretsError {
  constructor(message: string, options: TypedErrorOptions = {}) {
    super("config", message, baseOptions(options));
    this.name = "PolicyError";
  }
}

/** A secret path that is malformed, or that two files could answer. */
export class SecretPathError extends SecretsError {
  constructor(message: string, options: TypedErrorOptions = {}) {
    super("tree-path", message, baseOptions(options));
    this.name = "SecretPathError";
  }
}

/**
 * A server refused the token for this path (Vault's 403: no token, an unknown or expired one, or a
 * policy without the capability). Raised by the SDK's client of a server (`SecretsClient({ url })`).
 */
export class PermissionDenied extends SecretsError {
  constructor(message: string) {
    super("permission-denied", message);
    this.name = "PermissionDenied";
  }
}

/**
 * The server cannot be reached or cannot answer now (connection refused or cut, a timeout, a TLS
 * certificate refused, 502, 503 — a sealed server — or 504), after the client's bounded retries.
 * A write whose answer was lost may have been applied: read it back before writing again. Raised
 * by the SDK's client of a server.
 */
export class ServerUnavailable extends SecretsError {
  constructor(message: string) {
    super("unavailable", message);
    this.name = "ServerUnavailable";
  }
}

/** What a value is, for messages: the type only, never the value. */
export type SecretValueType = "string" | "number" | "boolean" | "null" | "map" | "list";

const described: Record<SecretValueType, string> = { string: "a string", number: "a number", boolean: "a boolean", null: "null", map: "a map", list: "a list" };

/** The secret exists but is not of the type asked for (e.g. `getString` on a number or a map). */
export class SecretTypeError extends SecretsError {
  /** The secret path asked for, as given. */
  readonly secretPath: string;
  readonly expected: SecretValueType;
  readonly actual: SecretValueType;
  constructor(secretPath: string, expected: SecretValueType, actual: SecretValueType) {
    super("wrong-type", `${secretPath} is ${described[actual]}, not ${described[expected]}; read it with get()`);
    this.name = "SecretTypeError";
    this.secretPath = secretPath;
    this.expected = expected;
    this.actual = actual;
  }
}

const integrityKinds: ReadonlySet<ErrorKind> = new Set<ErrorKind>(["mac-mismatch", "decrypt-tree", "metadata", "parse"]);

/**
 * Turns an error from the file/format layers into the typed error it stands for, keeping its message,
 * file, exit code and HTTP status (`no-recipients` becomes a PolicyError, kind `config`, with the
 * same codes). Errors that are neither (I/O, usage) stay as they are; a non-SecretsError becomes a
 * generic SecretsError naming only its class.
 */
export function toTypedError(e: unknown): SecretsError {
  if (e instanceof SecretNotFound || e instanceof NoMatchingKey || e instanceof IntegrityError || e instanceof PolicyError || e instanceof SecretPathError || e instanceof PermissionDenied || e instanceof ServerUnavailable) return e;
  if (e instanceof SecretsError) {
    const opts = { file: e.file, cause: e };
    if (e.kind === "no-key") return new NoMatchingKey(e.message, opts);
    if (integrityKinds.has(e.kind)) return new IntegrityError(e.kind, e.message, opts);
    if (e.kind === "config" || e.kind === "no-recipients") return new PolicyError(e.message, opts);
    return e;
  }
  const name = e instanceof Error ? e.name : typeof e;
  return new SecretsError("generic", `internal error (${name})`);
}
