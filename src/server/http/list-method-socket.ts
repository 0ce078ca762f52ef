import { Duplex } from "node:stream";
import type net from "node:net";
import { TLSSocket } from "node:tls";
import { RequestFramer, type RequestFramerOptions } from "./request-framer.js";

/**
 * One accepted connection as node:http sees it: the real socket (TCP, or TLS after decryption)
 * with its incoming bytes passed through a {@link RequestFramer}, so that `LIST` request lines
 * reach the parser as `LINK`. Everything else is the real socket's: writes, timeouts, addresses,
 * keep-alive, and closing, which propagates both ways (the real socket's close or error destroys
 * this one; destroying this one destroys the real socket).
 *
 * It records, in parse order, whether each request was a `LIST`; node:http parses a connection's
 * requests in order and creates one IncomingMessage per request head, which takes its entry with
 * {@link ListMethodSocket.takeRequestWasList}.
 *
 * Why a Duplex around the socket rather than edits to the socket itself: node:http reads a plain
 * socket in C++ (`parser.consume`), out of reach of any JavaScript rewrite, unless what it is given
 * is a JavaScript stream; a Duplex is the public way to give it one. The cost is one more stream
 * hop per chunk.
 */
export class ListMethodSocket extends Duplex {
  readonly #raw: net.Socket;
  readonly #framer: RequestFramer;
  /** Per request head framed and not yet parsed by node:http: was it LIST? Oldest first. */
  readonly #wasList: boolean[] = [];
  /** How long to linger before the close (0: close at once); see {@link lingerOnClose}. */
  #lingerMs = 0;
  /** Lingering: what the client still sends is read and dropped. */
  #discarding = false;

  constructor(raw: net.Socket, options: RequestFramerOptions = {}) {
    super({
      // node:http ends the writable side itself (httpAllowHalfOpen); as for its own sockets.
      allowHalfOpen: true,
      readableHighWaterMark: raw.readableHighWaterMark,
      writableHighWaterMark: raw.writableHighWaterMark,
    });
    this.#raw = raw;
    this.#framer = new RequestFramer((isList) => this.#wasList.push(isList), options);
    raw.on("data", (chunk: Buffer) => {
      if (this.destroyed || this.#discarding) return;
      let more = true;
      for (const piece of this.#framer.push(chunk)) more = this.push(piece) && more;
      if (!more) raw.pause();
    });
    raw.on("end", () => {
      if (this.#discarding) this.destroy();
      if (this.destroyed) return;
      const held = this.#framer.end();
      if (held !== undefined) this.push(held);
      this.push(null);
    });
    raw.on("error", (error) => this.destroy(error));
    raw.on("close", () => this.destroy());
    raw.on("timeout", () => this.emit("timeout"));
  }

  /**
   * Whether the next request head node:http parses on this connection was a `LIST` (false once
   * the framer stopped rewriting, or when nothing is queued). Called once per request head.
   */
  takeRequestWasList(): boolean {
    return this.#wasList.shift() ?? false;
  }

  override _read(): void {
    this.#raw.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#raw.write(chunk, encoding)) callback();
    else this.#raw.once("drain", () => callback());
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    // node:http corks the socket to send a head and its body in one segment: keep that.
    this.#raw.cork();
    let flushed = true;
    for (const { chunk, encoding } of chunks) flushed = this.#raw.write(chunk, encoding);
    this.#raw.uncork();
    if (flushed) callback();
    else this.#raw.once("drain", () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#raw.writableEnded || this.#raw.destroyed) {
      callback();
      return;
    }
    this.#raw.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Without the error: it is this stream's to report, not the real socket's a second time.
    this.#raw.destroy();
    callback(error);
  }

  /**
   * Makes the coming close a lingering one, as Go's net/http closes a connection after refusing a
   * body it did not read (conn.closeWriteAndWait, for a body past MaxBytesReader's limit): once the
   * response is flushed, the write side is shut (FIN) and the socket is destroyed only `ms` later,
   * what the client still sends being read and dropped meanwhile. Closing at once, with the
   * client's unread bytes pending, makes the kernel answer with a reset, and a client still
   * sending may then lose the response it had not read yet.
   */
  lingerOnClose(ms = 500): void {
    this.#lingerMs = ms;
  }

  /** As net.Socket's: end, then destroy once everything written has been flushed (after the linger, when asked for). */
  destroySoon(): void {
    if (this.writable) this.end();
    const close = (): void => (this.#lingerMs > 0 ? this.#linger() : void this.destroy());
    if (this.writableFinished) close();
    else this.once("finish", close);
  }

  #linger(): void {
    this.#discarding = true;
    this.#raw.resume();
    const timer = setTimeout(() => this.destroy(), this.#lingerMs);
    this.#raw.once("close", () => clearTimeout(timer));
  }

  /** The real socket's idle timeout (node:http's `timeout` and keep-alive timeout use it). */
  setTimeout(msecs: number, callback?: () => void): this {
    this.#raw.setTimeout(msecs);
    if (callback !== undefined) {
      if (msecs === 0) this.removeListener("timeout", callback);
      else this.once("timeout", callback);
    }
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.#raw.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.#raw.setKeepAlive(enable, initialDelay);
    return this;
  }

  ref(): this {
    this.#raw.ref();
    return this;
  }

  unref(): this {
    this.#raw.unref();
    return this;
  }

  /** The real socket's local address (undefined once it is closed). */
  address(): net.AddressInfo | undefined {
    const address = this.#raw.address();
    return "port" in address ? address : undefined;
  }

  /** The peer's address: the real socket's (the audit log records it). */
  get remoteAddress(): string | undefined {
    return this.#raw.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#raw.remotePort;
  }

  get remoteFamily(): string | undefined {
    return this.#raw.remoteFamily;
  }

  get localAddress(): string | undefined {
    return this.#raw.localAddress;
  }

  get localPort(): number | undefined {
    return this.#raw.localPort;
  }

  /** True over TLS, as on a TLSSocket (frameworks read it to tell https from http). */
  get encrypted(): boolean {
    return this.#raw instanceof TLSSocket;
  }

  /** The real socket, for what this wrapper does not forward (a TLS peer certificate, say). */
  get underlying(): net.Socket {
    return this.#raw;
  }
}
