/**
 * The last line of defence for text that leaves the program (error messages, reports): no key
 * material, and no character that could rewrite a terminal or a CI log.
 *
 * Messages are built value-free by construction; these functions catch what slipped through
 * (a key pasted where a path or a recipient belongs, a file name holding a newline). They are applied
 * where every message passes: SecretsError's constructor and `toLine`, and the CLI's one printer.
 */

/** What a piece of key material is, for messages that must name it without quoting it. */
export type KeyMaterialKind = "age secret key" | "age plugin identity" | "private key" | "Vault token";

// Bech32 is case-insensitive, so lowercase forms of the identities are caught too. The age patterns
// also take in the tail of a key shortened for display (`AGE-SECRET-KEY-1ABC…XYZ`), still secret.
const PATTERNS: ReadonlyArray<{ kind: KeyMaterialKind; re: RegExp }> = [
  { kind: "age secret key", re: /AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]*(?:(?:…|\.\.\.)[0-9A-Z]*)?/gi },
  { kind: "age plugin identity", re: /AGE-PLUGIN-[0-9A-Z-]*1[0-9A-Z]*(?:(?:…|\.\.\.)[0-9A-Z]*)?/gi },
  // PEM private keys of any kind (PKCS#1/#8, EC, OpenSSH, PGP blocks); an unterminated block is
  // redacted to the end of the text.
  { kind: "private key", re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|$)/gi },
  // The body of an OpenSSH private key without its armor lines: base64 of "openssh-key-v1\0".
  { kind: "private key", re: /b3BlbnNzaC1rZXktdjE[A-Za-z0-9+/=]*/g },
  // Vault tokens as `secrets token create` and Vault issue them (service, batch, recovery): a
  // token pasted where a name or path belongs must not come back in the error.
  { kind: "Vault token", re: /\bhv[sbr]\.[A-Za-z0-9_-]{20,}/g },
];

/** The kind of key material `text` holds, if any. */
export function keyMaterialKind(text: string): KeyMaterialKind | undefined {
  for (const { kind, re } of PATTERNS) {
    re.lastIndex = 0;
    if (re.test(text)) return kind;
  }
  return undefined;
}

export function containsKeyMaterial(text: string): boolean {
  return keyMaterialKind(text) !== undefined;
}

/**
 * What to say when `text`, given where a recipient (public key) is expected, is key material: names
 * its kind and the fix, never the text. Undefined when it is not key material.
 */
export function notARecipient(text: string): string | undefined {
  const kind = keyMaterialKind(text);
  if (kind === undefined) return undefined;
  const what = kind === "age secret key" ? "a secret key" : kind === "age plugin identity" ? "an age plugin identity (a secret)" : kind === "Vault token" ? "a Vault token (a secret)" : "a private key";
  return `that is ${what}, not a recipient; a recipient (public key) starts with age1`;
}

/** `text` with every piece of key material replaced by `[redacted <kind>]`. */
export function redactKeyMaterial(text: string): string {
  let out = text;
  for (const { kind, re } of PATTERNS) out = out.replace(re, `[redacted ${kind}]`);
  return out;
}

function hex(cp: number): string {
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u{${cp.toString(16)}}`;
}

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

// C0, DEL, C1, the Unicode line/paragraph separators and the bidirectional overrides and isolates
// (which can make a name read as another one).
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are escaped before printing.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` made safe to print on one line: control characters escaped (`\n`, `\r`, `\t`, `\x1b`, …),
 * and a leading `::` (a GitHub Actions workflow command, e.g. `::stop-commands::`) neutralised as
 * `\x3a:`. Backslashes are left alone (Windows paths). Idempotent.
 */
export function escapeControl(text: string): string {
  const out = text.replace(UNPRINTABLE, (c) => NAMED[c] ?? hex(c.codePointAt(0)!));
  return out.replace(/^(\s*):(?=:)/, (_m, ws: string) => `${ws}\\x3a`);
}

/**
 * Text as it may be printed: key material redacted, then control characters escaped. For whole
 * message lines and for every user-chosen name (file names) put into a message or a text report.
 */
export function safeText(text: string): string {
  return escapeControl(redactKeyMaterial(text));
}
