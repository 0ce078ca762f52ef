import { decodeBase64Padded, encodeBase64 } from "./base64.js";
import { AgeError } from "./errors.js";

/**
 * age's ASCII armor (`filippo.io/age/armor`): a strict subset of PEM.
 *
 *     -----BEGIN AGE ENCRYPTED FILE-----
 *     <standard padded base64, exactly 64 columns per line, the last line 1..64 columns>
 *     -----END AGE ENCRYPTED FILE-----
 *
 * Accepted like the Go reader: LF or CRLF line ends, whitespace (up to 1 KiB) before the first and
 * after the last line, no final newline. Rejected: PEM headers, empty lines, short lines before the
 * last, whitespace inside or at the end of a line, non-canonical base64, anything else around it.
 */

export const ARMOR_BEGIN = "-----BEGIN AGE ENCRYPTED FILE-----";
export const ARMOR_END = "-----END AGE ENCRYPTED FILE-----";
const COLUMNS = 64;
const MAX_WHITESPACE = 1024;

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** True when the text, after leading whitespace, starts like an armored age file. */
export function looksArmored(text: string): boolean {
  let i = 0;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return text.startsWith(ARMOR_BEGIN, i);
}

/**
 * Decodes an armored age file. Bytes are read as Latin-1, so any non-ASCII byte is simply an invalid
 * character. Throws AgeError("armor") for any malformed armor.
 */
export function dearmor(input: string | Uint8Array): Uint8Array {
  const s = typeof input === "string" ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString("latin1");
  const fail = (why: string): never => {
    throw new AgeError("armor", `invalid age armor: ${why}`);
  };

  let pos = 0;
  while (pos < s.length && isSpace(s.charCodeAt(pos))) pos++;
  if (pos > MAX_WHITESPACE) fail("too much leading whitespace");

  const readLine = (): string | null => {
    if (pos >= s.length) return null;
    const nl = s.indexOf("\n", pos);
    const end = nl < 0 ? s.length : nl;
    let line = s.slice(pos, end);
    pos = nl < 0 ? s.length : nl + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    return line;
  };

  if (readLine() !== ARMOR_BEGIN) fail("missing or malformed BEGIN line");
  const lines: string[] = [];
  for (;;) {
    const line = readLine();
    if (line === null) fail("missing END line");
    if (line === ARMOR_END) break;
    lines.push(line!);
  }
  const rest = s.slice(pos);
  for (let i = 0; i < rest.length; i++) if (!isSpace(rest.charCodeAt(i))) fail("data after the END line");
  if (rest.length >= MAX_WHITESPACE) fail("too much trailing whitespace");

  for (let i = 0; i < lines.length; i++) {
    const n = lines[i]!.length;
    const last = i === lines.length - 1;
    if (last ? n === 0 || n > COLUMNS || n % 4 !== 0 : n !== COLUMNS) fail(`line ${i + 2} has the wrong length`);
  }
  // With every line but the last exactly 64 columns, padding can only sit at the very end.
  const bytes = decodeBase64Padded(lines.join(""));
  if (bytes === null) fail("invalid base64");
  return bytes!;
}

/** Armors an age file: 64-column padded base64 between the BEGIN and END lines, final newline. */
export function armor(file: Uint8Array): string {
  const b64 = encodeBase64(file);
  let out = ARMOR_BEGIN + "\n";
  for (let i = 0; i < b64.length; i += COLUMNS) out += b64.slice(i, i + COLUMNS) + "\n";
  return out + ARMOR_END + "\n";
}
