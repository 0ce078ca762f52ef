import { safeText } from "./util/safe-text.js";

/**
 * Every failure the library reports is a SecretsError: a kind, a one-line message, the exit code
 * the CLI uses for it (sops' codes from `cmd/sops/codes/codes.go` where sops has one) and the HTTP
 * status the Vault-compatible server answers with (Vault's own statuses where Vault has the case).
 * Both come from the kind alone (the table below), so the CLI, the SDK and the server agree.
 *
 * Messages are built only from file names, key paths, recipients and fixed text, never from a value
 * (plaintext or ciphertext). `cause` is kept for debugging but never printed. As a last line of
 * defence the constructor redacts anything that looks like key material (a key pasted where a path
 * or a recipient belongs) and escapes control characters (a file name holding a newline).
 */

export const ExitCode = {
  Generic: 1,
  CouldNotReadInputFile: 2,
  CouldNotWriteOutputFile: 3,
  ErrorDumpingTree: 4,
  InvalidSetFormat: 7,
  ConflictingParameters: 8,
  ErrorEncryptingMac: 21,
  ErrorEncryptingTree: 23,
  ErrorDecryptingTree: 25,
  /** Ours (sops has no merge driver): a three-way merge left conflicts; both candidates are in the file. */
  MergeConflict: 40,
  /** Ours: the pre-commit check refused the commit. */
  CheckRefused: 41,
  /** Ours: `secrets audit --access` was given a file that is not a Vault-format audit log. */
  NotAuditLog: 42,
  MacMismatch: 51,
  /** Ours, not sops': a value the MAC does not cover was about to be injected (`run`, `export`). */
  Unauthenticated: 52,
  /** Ours, not sops': another writer held the file's write lock for longer than the timeout. */
  Locked: 53,
  InvalidTreePathFormat: 91,
  NeedAtLeastOneDocument: 92,
  NoFileSpecified: 100,
  /** The shells' code (POSIX): `run`'s command exists but cannot be executed. */
  CommandNotExecutable: 126,
  /** The shells' code (POSIX): `run`'s command was not found. */
  CommandNotFound: 127,
  CouldNotRetrieveKey: 128,
  FileHasNotBeenModified: 200,
  NoEditorFound: 201,
  FileAlreadyEncrypted: 203,
  /** Not a sops code: a path leads out of the repository or secrets root through a symbolic link. */
  OutsideRoot: 60,
  /** Ours (sops has no such case): a secret is not of the type asked for (the SDK's getString). */
  WrongType: 95,
  /** Ours: an engine's external system (a database) could not be reached; sysexits' EX_UNAVAILABLE. */
  EngineUnavailable: 69,
  /** Ours: an engine's external system refused an operation (a statement failed, a login was refused). */
  EngineFailed: 70,
  /** Ours: the user pressed Ctrl-C at one of our prompts (128 + SIGINT, as for the signal itself). */
  Interrupted: 130,
} as const;

/**
 * Exit statuses that are results, not errors (no kind, no message): success, and a check that ran
 * and found something (`verify`'s problems, `diff --exit-code`'s differences, `policy diff
 * --fail-on-change`'s changes), which is 1 as for `git diff --exit-code`.
 */
export const ResultExitCode = {
  Success: 0,
  Found: 1,
} as const;

/**
 * A process ended by signal n exits with 128 + n, as shells report it: `edit` when a signal ends it
 * (129 SIGHUP, 130 SIGINT, 143 SIGTERM), and `run` when its command was killed by one. The number
 * is passed in (from `os.constants.signals`) so that this module needs no Node API.
 */
export const SIGNAL_EXIT_BASE = 128;

export function signalExitCode(signalNumber: number): number {
  return SIGNAL_EXIT_BASE + signalNumber;
}

/**
 * The HTTP statuses the server answers with: Vault's, so that Vault clients (and their retry
 * policies: they retry 429 and 5xx but 501) behave as they do against Vault.
 */
export const HttpStatus = {
  BadRequest: 400,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  InternalServerError: 500,
  ServiceUnavailable: 503,
} as const;

interface KindCodes {
  readonly exitCode: number;
  readonly httpStatus: number;
}

/**
 * Every kind with its exit code and HTTP status. For the status the question is whose fault it is
 * on the server: the request's (4xx) or the server's own files, configuration or host (5xx). The
 * files a server reads are its own repository, so a file that fails to decrypt, lacks its MAC or
 * has broken metadata is a 500, while what a request carries (options, paths, values) is a 400.
 */
const kinds = {
  generic: { exitCode: ExitCode.Generic, httpStatus: HttpStatus.InternalServerError },
  usage: { exitCode: ExitCode.Generic, httpStatus: HttpStatus.BadRequest },
  /** The server reads its own files only (a request body too large is refused before it is read). */
  "read-input": { exitCode: ExitCode.CouldNotReadInputFile, httpStatus: HttpStatus.InternalServerError },
  "write-output": { exitCode: ExitCode.CouldNotWriteOutputFile, httpStatus: HttpStatus.InternalServerError },
  /** Malformed YAML/JSON/dotenv/INI input: on the server, a malformed request body. */
  parse: { exitCode: ExitCode.CouldNotReadInputFile, httpStatus: HttpStatus.BadRequest },
  /** sops metadata missing or malformed: a damaged file in the server's repository. */
  metadata: { exitCode: ExitCode.Generic, httpStatus: HttpStatus.InternalServerError },
  /** `.sops.yaml` unreadable, invalid, or no rule matches: the server's configuration, not the request. */
  config: { exitCode: ExitCode.Generic, httpStatus: HttpStatus.InternalServerError },
  /** A tree cannot be written in the requested format: the request asked for what the format cannot hold (a nested value in a .env file). */
  dump: { exitCode: ExitCode.ErrorDumpingTree, httpStatus: HttpStatus.BadRequest },
  "set-format": { exitCode: ExitCode.InvalidSetFormat, httpStatus: HttpStatus.BadRequest },
  /**
   * Conflicting parameters in the CLI; on the server (which has no flags) it is raised for state:
   * the file changed between read and write, an import meets different values. Hence 409, not
   * Vault's 412, which is for a check-and-set version given by the client (a kind of its own when
   * the server adds it).
   */
  conflict: { exitCode: ExitCode.ConflictingParameters, httpStatus: HttpStatus.Conflict },
  "encrypt-mac": { exitCode: ExitCode.ErrorEncryptingMac, httpStatus: HttpStatus.InternalServerError },
  "encrypt-tree": { exitCode: ExitCode.ErrorEncryptingTree, httpStatus: HttpStatus.InternalServerError },
  /** A value fails GCM or its type tag is bad. */
  "decrypt-tree": { exitCode: ExitCode.ErrorDecryptingTree, httpStatus: HttpStatus.InternalServerError },
  "mac-mismatch": { exitCode: ExitCode.MacMismatch, httpStatus: HttpStatus.InternalServerError },
  /** An entry the MAC does not cover would be injected: the stored file holds what anyone could have added. */
  unauthenticated: { exitCode: ExitCode.Unauthenticated, httpStatus: HttpStatus.InternalServerError },
  /**
   * Another writer holds the file's write lock past the timeout; nothing was changed. 503, not 429
   * or 409: it is transient and not the client's doing (429 would tell a Vault client it hit a rate
   * limit quota; 409 is not retried), and Vault clients retry a 503 by themselves.
   */
  locked: { exitCode: ExitCode.Locked, httpStatus: HttpStatus.ServiceUnavailable },
  "tree-path": { exitCode: ExitCode.InvalidTreePathFormat, httpStatus: HttpStatus.BadRequest },
  "empty-document": { exitCode: ExitCode.NeedAtLeastOneDocument, httpStatus: HttpStatus.BadRequest },
  "no-file": { exitCode: ExitCode.NoFileSpecified, httpStatus: HttpStatus.NotFound },
  /** No identity could open the data key: the file's recipients are its access policy, and the reader is not among them. */
  "no-key": { exitCode: ExitCode.CouldNotRetrieveKey, httpStatus: HttpStatus.Forbidden },
  /** Nothing to encrypt to: the rule (the server's configuration) names no recipient. */
  "no-recipients": { exitCode: ExitCode.Generic, httpStatus: HttpStatus.InternalServerError },
  /** Only `edit` raises it (the editor closed without a change); a server write that changes nothing succeeds. */
  "not-modified": { exitCode: ExitCode.FileHasNotBeenModified, httpStatus: HttpStatus.BadRequest },
  /** The host has no usable editor (a server never starts one). */
  "no-editor": { exitCode: ExitCode.NoEditorFound, httpStatus: HttpStatus.InternalServerError },
  "already-encrypted": { exitCode: ExitCode.FileAlreadyEncrypted, httpStatus: HttpStatus.BadRequest },
  /** A path into the tree that does not exist. */
  "not-found": { exitCode: ExitCode.Generic, httpStatus: HttpStatus.NotFound },
  /** A path whose real location (symbolic links followed) leaves the repository or secrets root: not to be served, as a path outside a token's policy. */
  "outside-root": { exitCode: ExitCode.OutsideRoot, httpStatus: HttpStatus.Forbidden },
  /** A secret is not of the type the caller asked for. */
  "wrong-type": { exitCode: ExitCode.WrongType, httpStatus: HttpStatus.BadRequest },
  /** Ctrl-C at a prompt (the terminal was in raw mode, so no SIGINT was raised); on a server, an operation cut short by shutdown: retry. */
  interrupted: { exitCode: ExitCode.Interrupted, httpStatus: HttpStatus.ServiceUnavailable },
  /** A three-way merge of an encrypted file left conflicts (both candidates are kept in the file). */
  "merge-conflict": { exitCode: ExitCode.MergeConflict, httpStatus: HttpStatus.Conflict },
  /**
   * git's own text merge of a file that is not encrypted left conflicts. Exit 1 as `git merge-file`
   * reports it (git only needs non-zero), so that 40 always means an encrypted file's conflict.
   */
  "text-merge-conflict": { exitCode: ExitCode.Generic, httpStatus: HttpStatus.Conflict },
  /** The pre-commit check found problems in staged files: the content asked to be stored is refused. */
  "check-refused": { exitCode: ExitCode.CheckRefused, httpStatus: HttpStatus.BadRequest },
  /**
   * A file read as a Vault-format audit log is none (its first line is no audit entry). The server
   * reads no audit log; were one of its own files so, that is the server's fault.
   */
  "not-audit-log": { exitCode: ExitCode.NotAuditLog, httpStatus: HttpStatus.InternalServerError },
  /**
   * The SDK's client of a server (`SecretsClient({ url })`): the server refused the token for this
   * path (Vault's 403). The CLI never raises it.
   */
  "permission-denied": { exitCode: ExitCode.Generic, httpStatus: HttpStatus.Forbidden },
  /**
   * The SDK's client of a server: the server cannot be reached, or answered 502/503/504 (sealed,
   * overloaded, a proxy without a backend) after the client's bounded retries. The CLI never raises it.
   */
  unavailable: { exitCode: ExitCode.Generic, httpStatus: HttpStatus.ServiceUnavailable },
  /**
   * An engine's external system (a database) could not be reached, or dropped the connection: it
   * may work on a retry. 500, as Vault answers a plugin's connection error (a 503 would read as
   * Vault being sealed or a standby to its clients).
   */
  "engine-unavailable": { exitCode: ExitCode.EngineUnavailable, httpStatus: HttpStatus.InternalServerError },
  /** An engine's external system refused what the repository's configuration asked of it (a statement, the admin login). */
  "engine-failed": { exitCode: ExitCode.EngineFailed, httpStatus: HttpStatus.InternalServerError },
  /** `run`'s command does not exist (a server runs no command; as a usage error, 400). */
  "command-not-found": { exitCode: ExitCode.CommandNotFound, httpStatus: HttpStatus.BadRequest },
  /** `run`'s command exists but cannot be executed (permission denied). */
  "command-not-executable": { exitCode: ExitCode.CommandNotExecutable, httpStatus: HttpStatus.BadRequest },
} as const satisfies Record<string, KindCodes>;

export type ErrorKind = keyof typeof kinds;

/** Every kind, in the table's order (for tests and documentation). */
export function errorKinds(): ErrorKind[] {
  return Object.keys(kinds) as ErrorKind[];
}

/** The exit code the CLI ends with for this kind. */
export function exitCodeOf(kind: ErrorKind): number {
  return kinds[kind].exitCode;
}

/** The HTTP status the server answers with for this kind. */
export function httpStatusOf(kind: ErrorKind): number {
  return kinds[kind].httpStatus;
}

export class SecretsError extends Error {
  readonly kind: ErrorKind;
  /** From the kind (exitCodeOf): no caller picks an exit code of its own. */
  readonly exitCode: number;
  /** From the kind (httpStatusOf). */
  readonly httpStatus: number;
  /** The file the error is about, when there is one; the CLI prefixes it to the message. */
  file: string | undefined;

  constructor(kind: ErrorKind, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(safeText(message));
    this.name = "SecretsError";
    this.kind = kind;
    this.exitCode = exitCodeOf(kind);
    this.httpStatus = httpStatusOf(kind);
    this.file = options.file;
    // Kept off the enumerable surface so that util.inspect / JSON never walk into it.
    if (options.cause !== undefined) Object.defineProperty(this, "cause", { value: options.cause, enumerable: false });
  }

  /** The one line the CLI prints: `file: message`, made safe again (both fields are writable). */
  toLine(): string {
    return safeText(this.file ? `${this.file}: ${this.message}` : this.message);
  }
}

/** Attaches a file name to a SecretsError that has none (used at the I/O boundary). */
export function withFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SecretsError && e.file === undefined) e.file = file;
    throw e;
  }
}

export async function withFileAsync<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SecretsError && e.file === undefined) e.file = file;
    throw e;
  }
}

export function isSecretsError(e: unknown): e is SecretsError {
  return e instanceof SecretsError;
}
