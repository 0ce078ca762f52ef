import { safeText } from "./util/safe-text.js";

/**
 * Every failure the library reports is a SecretsError: a kind, a one-line message, and the exit code
 * the CLI uses for it (sops' codes from `cmd/sops/codes/codes.go` where sops has one).
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
  MacMismatch: 51,
  /** Ours, not sops': a value the MAC does not cover was about to be injected (`run`, `export`). */
  Unauthenticated: 52,
  /** Ours, not sops': another writer held the file's write lock for longer than the timeout. */
  Locked: 53,
  InvalidTreePathFormat: 91,
  NeedAtLeastOneDocument: 92,
  NoFileSpecified: 100,
  CouldNotRetrieveKey: 128,
  FileHasNotBeenModified: 200,
  NoEditorFound: 201,
  FileAlreadyEncrypted: 203,
  /** Not a sops code: a path leads out of the repository or secrets root through a symbolic link. */
  OutsideRoot: 60,
  /** Ours (sops has no such case): a secret is not of the type asked for (the SDK's getString). */
  WrongType: 95,
  /** Ours: the user pressed Ctrl-C at one of our prompts (128 + SIGINT, as for the signal itself). */
  Interrupted: 130,
} as const;

export type ErrorKind =
  | "generic"
  | "usage"
  | "read-input"
  | "write-output"
  | "parse" // malformed YAML/JSON/dotenv/INI input
  | "metadata" // sops metadata missing or malformed
  | "config" // .sops.yaml unreadable, invalid, or no rule matches
  | "dump" // a tree cannot be written in the requested format
  | "set-format"
  | "conflict"
  | "encrypt-mac"
  | "encrypt-tree"
  | "decrypt-tree" // a value fails GCM or its type tag is bad
  | "mac-mismatch"
  | "unauthenticated" // an entry the MAC does not cover would be injected
  | "locked" // another writer holds the file's write lock
  | "tree-path"
  | "empty-document"
  | "no-file"
  | "no-key" // no identity could open the data key
  | "no-recipients"
  | "not-modified"
  | "no-editor"
  | "already-encrypted"
  | "not-found" // a path into the tree that does not exist
  | "outside-root" // a path whose real location (symbolic links followed) leaves the repository or secrets root
  | "wrong-type" // a secret is not of the type the caller asked for
  | "interrupted"; // Ctrl-C at a prompt (the terminal was in raw mode, so no SIGINT was raised)

const exitCodes: Record<ErrorKind, number> = {
  generic: ExitCode.Generic,
  usage: ExitCode.Generic,
  "read-input": ExitCode.CouldNotReadInputFile,
  "write-output": ExitCode.CouldNotWriteOutputFile,
  parse: ExitCode.CouldNotReadInputFile,
  metadata: ExitCode.Generic,
  config: ExitCode.Generic,
  dump: ExitCode.ErrorDumpingTree,
  "set-format": ExitCode.InvalidSetFormat,
  conflict: ExitCode.ConflictingParameters,
  "encrypt-mac": ExitCode.ErrorEncryptingMac,
  "encrypt-tree": ExitCode.ErrorEncryptingTree,
  "decrypt-tree": ExitCode.ErrorDecryptingTree,
  "mac-mismatch": ExitCode.MacMismatch,
  unauthenticated: ExitCode.Unauthenticated,
  locked: ExitCode.Locked,
  "tree-path": ExitCode.InvalidTreePathFormat,
  "empty-document": ExitCode.NeedAtLeastOneDocument,
  "no-file": ExitCode.NoFileSpecified,
  "no-key": ExitCode.CouldNotRetrieveKey,
  "no-recipients": ExitCode.Generic,
  "not-modified": ExitCode.FileHasNotBeenModified,
  "no-editor": ExitCode.NoEditorFound,
  "already-encrypted": ExitCode.FileAlreadyEncrypted,
  "not-found": ExitCode.Generic,
  "outside-root": ExitCode.OutsideRoot,
  "wrong-type": ExitCode.WrongType,
  interrupted: ExitCode.Interrupted,
};

export class SecretsError extends Error {
  readonly kind: ErrorKind;
  readonly exitCode: number;
  /** The file the error is about, when there is one; the CLI prefixes it to the message. */
  file: string | undefined;

  constructor(kind: ErrorKind, message: string, options: { file?: string; cause?: unknown; exitCode?: number } = {}) {
    super(safeText(message));
    this.name = "SecretsError";
    this.kind = kind;
    this.exitCode = options.exitCode ?? exitCodes[kind];
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
