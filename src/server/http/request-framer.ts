/**
 * An incremental HTTP/1.1 request framer that renames the `LIST` method in request lines.
 *
 * Node's HTTP/1 parser (llhttp) knows a fixed set of methods and answers `400` to any other, before
 * a handler runs; Vault clients send `LIST`. This framer sits in front of the parser on one
 * connection's byte stream, finds where each request starts (request line, headers up to the empty
 * line, then the body by Content-Length or by chunked framing with its trailers), and replaces the
 * four bytes `LIST` of a request line with {@link LIST_STAND_IN}, a method llhttp accepts with the
 * same length. Every other byte is handed on unchanged, whatever the chunking of the input.
 *
 * Why a framer and not a search for "LIST " in the stream: the bytes `\r\nLIST / HTTP/1.1` may sit
 * inside a body; only request boundaries tell a request line from data. The framer follows llhttp's
 * framing for every input llhttp accepts (leading empty lines skipped, Content-Length, chunked as
 * the last transfer coding, chunk extensions, trailers). Where it meets something it cannot frame
 * as llhttp would (conflicting lengths, a bad chunk size, obsolete line folding, an Upgrade, a head
 * over its cap), it stops rewriting for the rest of the connection and passes bytes through:
 * llhttp then rejects the input itself, or, for the rare input llhttp accepts, only a later `LIST`
 * on that connection is refused, never misread. Stopping is always safe; guessing is not.
 *
 * Memory is bounded per connection: bodies are skipped by count, never held; of a line only its
 * first {@link KEPT_LINE_BYTES} are kept (enough for the headers that matter); at most four bytes
 * (an unfinished `LIST` prefix) are held back between chunks.
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
 * One connection's framer. `push` takes the next bytes received and returns the bytes to hand to
 * the HTTP parser (the same bytes, `LIST` renamed); `end` returns what is still held back when the
 * peer ends the stream. `onRequestStart` is called once per request, when its method is known and
 * before any of its bytes are returned, so a caller can queue "this one was LIST" in parse order.
 */
export class RequestFramer {
  readonly #onRequestStart: RequestStartListener;
  readonly #maxHeadBytes: number;
  #mode: Mode = "start";
  /** In "method" mode: how many bytes of `LIST ` matched, all of them held back. */
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

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    /** Start of the bytes of `chunk` not yet returned. */
    let emitFrom = 0;
    /** Where in `chunk` the bytes of the current `LIST ` match begin, and how many came before it. */
    let matchStart = 0;
    let heldFromEarlier = this.#mode === "method" ? this.#matched : 0;
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.#mode) {
        case "pass":
          pos = chunk.length;
          break;
        case "start": {
          const byte = chunk[pos];
          if (byte === CR || byte === LF) {
            pos++;
          } else {
            this.#mode = "method";
            this.#matched = 0;
            matchStart = pos;
            heldFromEarlier = 0;
          }
          break;
        }
        case "method":
          // Compared with `LIST ` one byte at a time; matched bytes are held back (not returned)
          // until the match fails or completes, since a chunk may end inside the method.
          if (chunk[pos] === LIST_PREFIX[this.#matched]) {
            this.#matched++;
            pos++;
            if (this.#matched === LIST_PREFIX.length) {
              if (matchStart > emitFrom) out.push(chunk.subarray(emitFrom, matchStart));
              this.#onRequestStart(true);
              out.push(Buffer.from(STAND_IN_PREFIX));
              emitFrom = pos;
              this.#beginHead(LIST_PREFIX);
            }
          } else {
            // Not LIST. Bytes held from earlier chunks (a prefix of `LIST `) go on first; nothing
            // of this chunk was returned yet then, since the chunk began inside the method.
            if (heldFromEarlier > 0) out.push(Buffer.from(LIST_PREFIX.subarray(0, heldFromEarlier)));
            heldFromEarlier = 0;
            this.#onRequestStart(false);
            this.#beginHead(LIST_PREFIX.subarray(0, this.#matched));
          }
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
    // An unfinished `LIST ` match at the chunk's end stays held back.
    const emitTo = this.#mode === "method" ? matchStart : chunk.length;
    if (emitTo > emitFrom) out.push(chunk.subarray(emitFrom, emitTo));
    return out;
  }

  /** The peer ended the stream: whatever is held back goes on, unchanged. */
  end(): Buffer | undefined {
    if (this.#mode !== "method" || this.#matched === 0) return undefined;
    const held = Buffer.from(LIST_PREFIX.subarray(0, this.#matched));
    this.#matched = 0;
    this.#mode = "pass";
    return held;
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
    if (!this.#appendToLine(chunk, pos, end)) return chunk.length;
    if (lf === -1) return chunk.length;
    this.#sectionBytes += 1;
    const line = this.#takeLine();
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

function newHead(): HeadFacts {
  return { method: "", contentLength: undefined, transferCodings: [], upgrade: false };
}

/** HTTP's optional whitespace (SP and HTAB) at both ends. */
function trimOws(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}
