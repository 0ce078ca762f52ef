/**
 * An incremental HTTP/1.1 request framer that renames the `LIST` method in request lines, in place.
 *
 * Node's HTTP/1 parser (llhttp) knows a fixed set of methods and answers `400` to any other, before
 * a handler runs; Vault clients send `LIST`. This framer sees one connection's bytes just before
 * the parser does, finds where each request starts (request line, headers up to the empty line,
 * then the body by Content-Length or by chunked framing with its trailers), and overwrites the
 * bytes `ST` of a request line's `LIST` with `NK`, making it {@link LIST_STAND_IN}, a method llhttp
 * accepts with the same length. Every other byte is left as it is, whatever the chunking of the
 * input.
 *
 * Why in place: the chunk is the one node:http parses next (list-method.ts), so an edit of the same
 * length costs no copy and no extra stream. The price is that nothing can be held back: a chunk
 * may end inside the method, and the parser sees that part before the rest arrives. So each of
 * the two differing bytes is rewritten as soon as it matches (`LIS` becomes `LIN`, then `LIST`
 * becomes `LINK`); when the method then turns out not to be `LIST`, the input was one llhttp
 * refuses in any case (no method it knows starts with `LIS`), and it still refuses what it gets
 * (`LINK` not followed by a space; `LIN` followed by anything but `K`, a `K` there being changed
 * so that it stays refused): the client gets node's 400 either way.
 *
 * Why a framer and not a search for "LIST " in the stream: the bytes `\r\nLIST / HTTP/1.1` may sit
 * inside a body; only request boundaries tell a request line from data. The framer follows llhttp's
 * framing for every input llhttp accepts (leading empty lines skipped, Content-Length, chunked as
 * the last transfer coding, chunk extensions, trailers). Where it meets something it cannot frame
 * as llhttp would (conflicting lengths, a bad chunk size, obsolete line folding, an Upgrade, a head
 * over its cap), it stops rewriting for the rest of the connection and leaves bytes alone:
 * llhttp then rejects the input itself, or, for the rare input llhttp accepts, only a later `LIST`
 * on that connection is refused, never misread. Stopping is always safe; guessing is not.
 *
 * Memory is bounded per connection: bodies are skipped by count, never held; of a line only its
 * first {@link KEPT_LINE_BYTES} are kept (enough for the headers that matter), and only when the
 * line spans chunks (a line within one chunk is read where it is).
 */

/** What llhttp will see instead of `LIST`: a method it knows, of the same length. */
export const LIST_STAND_IN = "LINK";

/**
 * Vault's (Go's `http.DefaultMaxHeaderBytes`) cap on a request line plus headers: 1 MiB. Node's own
 * limit (`maxHeaderSize`, 16 KiB by default) is far lower and answers 431 first; this cap only
 * bounds the framer's own work when Node's limit is raised.
 */
export const DEFAULT_MAX_HEAD_BYTES = 1024 * 1024;

/** Of each line, the bytes kept for parsing: header names and the values of the framing headers. */
const KEPT_LINE_BYTES = 8 * 1024;

/** Longer decimal Content-Length or hex chunk size than this is not framed (beyond 2^53). */
const MAX_DECIMAL_DIGITS = 15;
const MAX_HEX_DIGITS = 13;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const LIST_PREFIX = Buffer.from("LIST ", "latin1");
const STAND_IN_PREFIX = Buffer.from(`${LIST_STAND_IN} `, "latin1");
/** Where `LIST ` and `LINK ` first differ: bytes from here on are rewritten as they match. */
const FIRST_DIFFERENCE = 2;
/** What a `K` after a rewritten `LIN` becomes, so that a method `LISK…` stays one llhttp refuses. */
const REFUSED_METHOD_BYTE = 0x00;
const K = 0x4b;

type Mode =
  /** Between requests: llhttp skips CR and LF here. */
  | "start"
  /** The first bytes of a request line, compared with `LIST `. */
  | "method"
  /** The rest of the request line and the header lines. */
  | "head"
  | "body"
  | "chunk-size"
  | "chunk-data"
  /** The CRLF after a chunk's data. */
  | "chunk-end"
  | "trailers"
  /** Framing given up: everything passes unchanged. */
  | "pass";

/** Receives, in order, one call per request whose method has been read, before its bytes go on. */
export type RequestStartListener = (isList: boolean) => void;

export interface RequestFramerOptions {
  /** Cap on a request line plus headers, on one chunk-size line, and on one message's trailers. */
  maxHeadBytes?: number;
}

/** One line as read: its kept bytes as latin1 text (CR stripped), and whether it was cut. */
interface Line {
  text: string;
  empty: boolean;
  truncated: boolean;
}

/** The framing headers of one request head, as far as read. */
interface HeadFacts {
  method: string;
  contentLength: number | undefined;
  transferCodings: string[];
  upgrade: boolean;
}

/**
 * One connection's framer. `push` takes the next bytes received, before the HTTP parser sees them,
 * and renames `LIST` in them in place. `onRequestStart` is called once per request, when its
 * method is known (in the chunk that completes the method, before the parser is given that chunk),
 * so a caller can queue "this one was LIST" in parse order.
 */
export class RequestFramer {
  readonly #onRequestStart: RequestStartListener;
  readonly #maxHeadBytes: number;
  #mode: Mode = "start";
  /** In "method" mode: how many bytes of `LIST ` matched (from FIRST_DIFFERENCE on, rewritten). */
  #matched = 0;
  /** Bytes still to skip in "body" and "chunk-data". */
  #remaining = 0;
  /** The current line: its kept bytes, and its full length (without the LF). */
  #lineParts: Buffer[] = [];
  #lineKept = 0;
  #lineLength = 0;
  /** Bytes of the current head (or chunk-size line, or trailers), against the cap. */
  #sectionBytes = 0;
  #firstLine = true;
  #head: HeadFacts = newHead();

  constructor(onRequestStart: RequestStartListener, options: RequestFramerOptions = {}) {
    this.#onRequestStart = onRequestStart;
    this.#maxHeadBytes = options.maxHeadBytes ?? DEFAULT_MAX_HEAD_BYTES;
  }

  /** True once framing was given up on this connection (bytes now pass through untouched). */
  get passingThrough(): boolean {
    return this.#mode === "pass";
  }

  /** Renames `LIST` in `chunk`, in place (see the note above). */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.#mode) {
        case "pass":
          return;
        case "start": {
          const byte = chunk[pos];
          if (byte === CR || byte === LF) {
            pos++;
          } else {
            this.#mode = "method";
            this.#matched = 0;
          }
          break;
        }
        case "method":
          pos = this.#readMethod(chunk, pos);
          break;
        case "head":
        case "chunk-size":
        case "chunk-end":
        case "trailers":
          pos = this.#readLine(chunk, pos);
          break;
        case "body":
        case "chunk-data": {
          const take = Math.min(this.#remaining, chunk.length - pos);
          this.#remaining -= take;
          pos += take;
          if (this.#remaining === 0) this.#mode = this.#mode === "body" ? "start" : "chunk-end";
          break;
        }
      }
    }
  }

  /** One byte of a method, compared with `LIST `; the position after it. */
  #readMethod(chunk: Buffer, pos: number): number {
    const byte = chunk[pos]!;
    if (byte === LIST_PREFIX[this.#matched]) {
      if (this.#matched >= FIRST_DIFFERENCE) chunk[pos] = STAND_IN_PREFIX[this.#matched]!;
      this.#matched++;
      if (this.#matched === LIST_PREFIX.length) {
        this.#onRequestStart(true);
        this.#beginHead(LIST_PREFIX);
      }
      return pos + 1;
    }
    // Not LIST. After a rewritten `LIN`, a `K` would make a method llhttp knows of one it refuses.
    if (this.#matched === FIRST_DIFFERENCE + 1 && byte === K) chunk[pos] = REFUSED_METHOD_BYTE;
    this.#onRequestStart(false);
    this.#beginHead(LIST_PREFIX.subarray(0, this.#matched));
    return pos;
  }

  #beginHead(bytesSoFar: Buffer): void {
    this.#mode = "head";
    this.#head = newHead();
    this.#firstLine = true;
    this.#sectionBytes = 0;
    this.#resetLine();
    this.#appendToLine(bytesSoFar, 0, bytesSoFar.length);
  }

  #giveUp(): void {
    this.#mode = "pass";
    this.#resetLine();
  }

  /** Adds bytes up to the next LF to the current line; on a complete line, acts on it. */
  #readLine(chunk: Buffer, pos: number): number {
    const lf = chunk.indexOf(LF, pos);
    const end = lf === -1 ? chunk.length : lf;
    let line: Line;
    if (lf !== -1 && this.#lineLength === 0) {
      // The whole line is in this chunk (the usual case): read where it is, nothing copied.
      this.#sectionBytes += end - pos;
      if (this.#sectionBytes > this.#maxHeadBytes) {
        this.#giveUp();
        return chunk.length;
      }
      this.#sectionBytes += 1;
      line = lineOf(chunk, pos, end);
    } else {
      if (!this.#appendToLine(chunk, pos, end)) return chunk.length;
      if (lf === -1) return chunk.length;
      this.#sectionBytes += 1;
      line = this.#takeLine();
    }
    switch (this.#mode) {
      case "head":
        this.#onHeadLine(line);
        break;
      case "chunk-size":
        this.#onChunkSizeLine(line);
        break;
      case "chunk-end":
        if (!line.empty) this.#giveUp();
        else this.#startChunkSize();
        break;
      case "trailers":
        if (line.empty) this.#mode = "start";
        else if (line.truncated) this.#giveUp();
        break;
      default:
        break;
    }
    return lf + 1;
  }

  /** False (and framing given up) when the section grows past the cap. */
  #appendToLine(source: Buffer, from: number, to: number): boolean {
    const length = to - from;
    this.#lineLength += length;
    this.#sectionBytes += length;
    if (this.#sectionBytes > this.#maxHeadBytes) {
      this.#giveUp();
      return false;
    }
    const keep = Math.min(length, KEPT_LINE_BYTES - this.#lineKept);
    if (keep > 0) {
      // A copy: the caller's buffer goes on to the parser and must not be retained in pieces.
      this.#lineParts.push(Buffer.from(source.subarray(from, from + keep)));
      this.#lineKept += keep;
    }
    return true;
  }

  /** The completed line without its CRLF (or LF), and whether only its start was kept. */
  #takeLine(): Line {
    let bytes = Buffer.concat(this.#lineParts, this.#lineKept);
    const truncated = this.#lineLength > this.#lineKept;
    if (!truncated && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    this.#resetLine();
    return { text: bytes.toString("latin1"), empty: !truncated && bytes.length === 0, truncated };
  }

  #resetLine(): void {
    this.#lineParts = [];
    this.#lineKept = 0;
    this.#lineLength = 0;
  }

  #onHeadLine(line: Line): void {
    if (this.#firstLine) {
      this.#firstLine = false;
      const space = line.text.indexOf(" ");
      this.#head.method = space === -1 ? line.text : line.text.slice(0, space);
      return;
    }
    if (line.empty) {
      this.#endOfHead();
      return;
    }
    const first = line.text.charCodeAt(0);
    // Obsolete line folding continues the previous header's value: not framed here.
    if (first === SP || first === HTAB) {
      this.#giveUp();
      return;
    }
    const colon = line.text.indexOf(":");
    if (colon <= 0) {
      this.#giveUp();
      return;
    }
    const name = line.text.slice(0, colon).toLowerCase();
    if (name !== "content-length" && name !== "transfer-encoding" && name !== "upgrade") return;
    if (line.truncated) {
      this.#giveUp();
      return;
    }
    const value = trimOws(line.text.slice(colon + 1));
    if (name === "upgrade") {
      this.#head.upgrade = true;
    } else if (name === "transfer-encoding") {
      this.#head.transferCodings.push(...value.split(","));
    } else {
      // A second Content-Length, even an equal one, is an error for llhttp.
      const duplicate = this.#head.contentLength !== undefined;
      if (duplicate || !/^[0-9]+$/.test(value) || value.length > MAX_DECIMAL_DIGITS) {
        this.#giveUp();
        return;
      }
      this.#head.contentLength = Number(value);
    }
  }

  #endOfHead(): void {
    const head = this.#head;
    // After CONNECT or an Upgrade request the parser stops (the bytes that follow belong to another
    // protocol) or, with no upgrade listener, drops the rest of the chunk it was parsing: from here
    // on its view of the stream and ours may differ, so stop rewriting.
    if (head.method === "CONNECT" || head.method === "PRI" || head.upgrade) {
      this.#giveUp();
      return;
    }
    if (head.transferCodings.length > 0) {
      const last = head.transferCodings[head.transferCodings.length - 1];
      if (head.contentLength !== undefined || last === undefined || trimOws(last).toLowerCase() !== "chunked") {
        this.#giveUp();
        return;
      }
      this.#startChunkSize();
      return;
    }
    if (head.contentLength !== undefined && head.contentLength > 0) {
      this.#mode = "body";
      this.#remaining = head.contentLength;
      return;
    }
    this.#mode = "start";
  }

  #startChunkSize(): void {
    this.#mode = "chunk-size";
    this.#sectionBytes = 0;
  }

  #onChunkSizeLine(line: Line): void {
    const digits = /^[0-9a-fA-F]+/.exec(line.text)?.[0];
    if (digits === undefined || digits.length > MAX_HEX_DIGITS) {
      this.#giveUp();
      return;
    }
    const size = Number.parseInt(digits, 16);
    if (size === 0) {
      this.#mode = "trailers";
      this.#sectionBytes = 0;
      return;
    }
    this.#mode = "chunk-data";
    this.#remaining = size;
  }
}

/** The line `bytes[from, to)` (without its LF): its first KEPT_LINE_BYTES as latin1 text, a final CR stripped. */
function lineOf(bytes: Buffer, from: number, to: number): Line {
  const truncated = to - from > KEPT_LINE_BYTES;
  let end = truncated ? from + KEPT_LINE_BYTES : to;
  if (!truncated && end > from && bytes[end - 1] === CR) end--;
  return { text: bytes.toString("latin1", from, end), empty: !truncated && end === from, truncated };
}

function newHead(): HeadFacts {
  return { method: "", contentLength: undefined, transferCodings: [], upgrade: false };
}

/** HTTP's optional whitespace (SP and HTAB) at both ends. */
function trimOws(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}
