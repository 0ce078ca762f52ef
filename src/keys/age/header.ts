import { decodeBase64Raw, encodeBase64Raw } from "./base64.js";
import { AgeError } from "./errors.js";
import { hkdf, hmacSha256 } from "./primitives.js";
import type { Stanza } from "./types.js";

/**
 * The age v1 header (age-encryption.org/v1 spec, "Header"):
 *
 *     age-encryption.org/v1\n
 *     -> arg arg …\n            (one or more stanzas; arguments are non-empty VCHAR strings)
 *     <body: unpadded canonical base64, 64 columns per line, ending with a line shorter than 64>
 *     --- <MAC: 43 columns of unpadded base64 = 32 bytes>\n
 *
 * followed by the binary payload. Every line ends in LF; a CR is just an invalid character.
 * The MAC is HMAC-SHA-256(key = HKDF-SHA-256(file key, empty salt, "header"), header up to `---`).
 */

export interface ParsedHeader {
  stanzas: Stanza[];
  /** The header up to and including `---`: the HMAC input. */
  headerNoMac: Uint8Array;
  mac: Uint8Array;
  /** Everything after the MAC line: the 16-byte nonce and the STREAM chunks. */
  payload: Uint8Array;
}

const VERSION_LINE = "age-encryption.org/v1";
const COLUMNS = 64;

function isVChar(arg: string): boolean {
  if (arg.length === 0) return false;
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Parses the header of a binary age file. Throws AgeError("header") when it is malformed. */
export function parseHeader(file: Uint8Array): ParsedHeader {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const fail = (why: string): never => {
    throw new AgeError("header", `invalid age header: ${why}`);
  };
  let pos = 0;
  let lineStart = 0;
  const readLine = (): string => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) fail("unexpected end of header");
    lineStart = pos;
    const line = buf.toString("latin1", pos, nl);
    pos = nl + 1;
    return line;
  };

  const version = readLine();
  if (version !== VERSION_LINE) fail(version.startsWith("age-encryption.org/") ? "unsupported version" : "not an age file");

  const stanzas: Stanza[] = [];
  for (;;) {
    const line = readLine();
    if (line === "->" || line.startsWith("-> ")) {
      const args = line === "->" ? [] : line.slice(3).split(" ");
      if (args.length === 0 || !args.every(isVChar)) fail("malformed stanza opening line");
      const parts: Uint8Array[] = [];
      for (;;) {
        const bodyLine = readLine();
        if (bodyLine.length > COLUMNS) fail("stanza body line too long");
        const decoded = decodeBase64Raw(bodyLine);
        if (decoded === null) fail("stanza body is not canonical base64");
        parts.push(decoded!);
        if (bodyLine.length < COLUMNS) break;
      }
      stanzas.push({ args, body: Buffer.concat(parts) });
      continue;
    }
    if (line.startsWith("---")) {
      const m = /^--- ([A-Za-z0-9+/]{43})$/.exec(line);
      const mac = m ? decodeBase64Raw(m[1]!) : null;
      if (mac === null || mac.length !== 32) fail("malformed MAC line");
      return {
        stanzas,
        headerNoMac: file.subarray(0, lineStart + 3),
        mac: mac!,
        payload: file.subarray(pos),
      };
    }
    fail("unexpected line");
  }
}

const EMPTY = new Uint8Array(0);

/** The header MAC over `headerNoMac` (the header up to and including `---`). */
export function headerMac(fileKey: Uint8Array, headerNoMac: Uint8Array): Uint8Array {
  return hmacSha256(hkdf(fileKey, EMPTY, "header"), headerNoMac);
}

/** One stanza: `-> args…\n`, then the body in 64-column lines, the last one shorter (maybe empty). */
function formatStanza(s: Stanza): string {
  if (s.args.length === 0 || !s.args.every(isVChar)) throw new Error("invalid age stanza: malformed arguments");
  const b64 = encodeBase64Raw(s.body);
  let out = `-> ${s.args.join(" ")}\n`;
  let i = 0;
  for (; i + COLUMNS <= b64.length; i += COLUMNS) out += b64.slice(i, i + COLUMNS) + "\n";
  return out + b64.slice(i) + "\n";
}

/**
 * Writes the header of a binary age file for these stanzas (at least one), MAC line included, so
 * that `parseHeader` reads back the same stanzas and a MAC that verifies under `fileKey`.
 * Throws Error when there is no stanza or an argument is not a non-empty VCHAR string.
 */
export function writeHeader(stanzas: readonly Stanza[], fileKey: Uint8Array): Uint8Array {
  if (stanzas.length === 0) throw new Error("invalid age header: no recipient stanza");
  let text = VERSION_LINE + "\n";
  for (const s of stanzas) text += formatStanza(s);
  const noMac = Buffer.from(text + "---", "latin1");
  return Buffer.concat([noMac, Buffer.from(` ${encodeBase64Raw(headerMac(fileKey, noMac))}\n`, "latin1")]);
}
