/**
 * UTF-8 the Go way, for every store: sops reads and writes Go strings, which are byte strings that
 * need not be valid UTF-8. Decoding replaces each invalid byte by U+FFFD (as Go's rune iteration
 * does); validity is strict (no surrogates, no overlong forms).
 */

// ignoreBOM: a leading U+FEFF is data (Go keeps it); the WHATWG default would silently drop it.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

/**
 * Length of the UTF-8 sequence at `i` as Go's `utf8.DecodeRune` accepts it, or 0 when Go would
 * return `(RuneError, 1)` (invalid or truncated sequence, surrogate, overlong, > U+10FFFF).
 */
export function goRuneLength(b: Uint8Array, i: number, end = b.length): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < end && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const lo = c === 0xe0 ? 0xa0 : 0x80;
    const hi = c === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const lo = c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Decodes bytes like Go's `string` → rune iteration: each invalid byte becomes one U+FFFD. */
export function goDecodeUtf8(b: Uint8Array, start = 0, end = b.length): string {
  const view = start === 0 && end === b.length ? b : b.subarray(start, end);
  try {
    return strictUtf8.decode(view);
  } catch {
    let out = "";
    let runStart = start;
    let i = start;
    while (i < end) {
      const n = goRuneLength(b, i, end);
      if (n === 0) {
        out += strictUtf8.decode(b.subarray(runStart, i)) + "\ufffd";
        i++;
        runStart = i;
      } else i += n;
    }
    return out + strictUtf8.decode(b.subarray(runStart, end));
  }
}

export function isValidUtf8(b: Uint8Array): boolean {
  try {
    strictUtf8.decode(b);
    return true;
  } catch {
    return false;
  }
}

/** The UTF-8 bytes of a JS string (a lone surrogate becomes U+FFFD). */
export function encodeUtf8(s: string): Uint8Array {
  return utf8.encode(s);
}

/** Concatenates text (UTF-8 encoded) and raw byte chunks into one buffer. */
export function joinChunks(parts: Array<string | Uint8Array>): Uint8Array {
  const bufs = parts.map((p) => (typeof p === "string" ? utf8.encode(p) : p));
  const out = new Uint8Array(bufs.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of bufs) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}
