import { isSecretsError } from "../../src/errors.js";
import { safe, type SafeText } from "./safe-text.js";

/**
 * How the Action fails: one line of checked text, never the message of an error it caught. Errors
 * from the library are value-free by construction, but their text includes repository-controlled
 * strings (paths, keys, recipients); the Action prints only its own fixed sentences and checked names.
 */

/** A failure whose line is already safe to print. */
export class ActionFailure extends Error {
  constructor(readonly line: SafeText) {
    super(line);
    this.name = "ActionFailure";
  }
}

/** What went wrong with one secret file, by the library's error kind, in fixed words. */
export function fileProblem(e: unknown): SafeText {
  if (!isSecretsError(e)) return safe`an unexpected error occurred while reading it`;
  switch (e.kind) {
    case "no-file":
      return safe`the file does not exist`;
    case "read-input":
      return safe`the file cannot be read`;
    case "parse":
    case "metadata":
    case "empty-document":
      return safe`it is not a valid SOPS-encrypted file`;
    case "no-key":
      return safe`no identity in age-key can open it`;
    case "mac-mismatch":
      return safe`its MAC does not match: the file was modified outside sops/secrets or is corrupt`;
    case "decrypt-tree":
      return safe`a value cannot be decrypted: the file was tampered with or is corrupt`;
    case "generic":
      return safe`its encrypted data key is malformed`;
    case "usage":
      return safe`its file type is not supported`;
    default:
      return safe`it cannot be decrypted`;
  }
}

/** The line to fail with, for anything thrown out of a mode. */
export function failureLine(e: unknown): SafeText {
  if (e instanceof ActionFailure) return e.line;
  return safe`gitops-secrets: unexpected internal error (no details are printed, so that no value can leak)`;
}
