/**
 * The in-memory model of a SOPS document, shared by every store and by the cipher.
 *
 * A file is a list of branches (one per YAML document; one for every other format). A branch is an
 * ordered list of items, each a key/value pair or a comment. Lists hold values and comments. This
 * mirrors sops' own tree (`sops.go`), so that walk order (which the MAC depends on) and AADs are the
 * same as sops'.
 *
 * Scalars keep the type sops would give them, because the `type:` tag of an encrypted value and the
 * bytes it hashes depend on it: a YAML `1.0` is a float, `0755` an int 493, a JSON `7` an int, and an
 * integer beyond 2^53 must stay exact (hence bigint).
 */

/** A comment line. `text` is everything after the `#` (or `;` in INI), leading space included. */
export class Comment {
  constructor(
    readonly text: string,
    /** True when the comment stood on the same line as the item before it (YAML only). */
    readonly inline: boolean = false,
  ) {}
}

/** An integer, exact over the whole int64/uint64 range. */
export class SopsInt {
  constructor(readonly value: bigint) {}
}

/** A float64. Kept apart from SopsInt so `1.0` stays a float, as in Go. */
export class SopsFloat {
  constructor(readonly value: number) {}
}

/**
 * A timestamp (an unquoted YAML timestamp, sops >= 3.10). `text` is Go's `time.MarshalText` form
 * (RFC 3339, fractional seconds only when non-zero), which is also its plaintext when encrypted.
 */
export class SopsTime {
  // Makes the type nominal (no runtime field): otherwise a Comment, which also has a `text`, would
  // type-check as a SopsTime, and a list item not narrowed past its comments would pass as a value.
  declare private readonly nominal: never;
  constructor(readonly text: string) {}
}

/** Raw bytes that need not be UTF-8: the binary store's payload, and `type:bytes` values. */
export type Bytes = Uint8Array;

export type Scalar = string | boolean | null | SopsInt | SopsFloat | SopsTime | Bytes;

/** An ordered mapping. Keys are strings; sops refuses any other key type. */
export class Branch {
  constructor(readonly items: Array<Item | Comment> = []) {}

  /** The value under `key`, or undefined. Linear: branches are small and order matters more. */
  get(key: string): Value | undefined {
    for (const it of this.items) if (!(it instanceof Comment) && it.key === key) return it.value;
    return undefined;
  }

  /** Sets `key` in place (keeping its position), or appends it. */
  set(key: string, value: Value): void {
    for (const it of this.items) {
      if (!(it instanceof Comment) && it.key === key) {
        it.value = value;
        return;
      }
    }
    this.items.push({ key, value });
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: string): boolean {
    const i = this.items.findIndex((it) => !(it instanceof Comment) && it.key === key);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  keys(): string[] {
    const out: string[] = [];
    for (const it of this.items) if (!(it instanceof Comment)) out.push(it.key);
    return out;
  }
}

export interface Item {
  key: string;
  value: Value;
}

export type List = Array<Value | Comment>;

export type Value = Scalar | Branch | List;

export function isBranch(v: unknown): v is Branch {
  return v instanceof Branch;
}

export function isList(v: unknown): v is List {
  return Array.isArray(v);
}

export function isScalar(v: unknown): v is Scalar {
  return !(v instanceof Branch) && !Array.isArray(v) && !(v instanceof Comment);
}

/**
 * A document as a store reads it: the data branches, plus the `sops` metadata as plain JSON-like
 * data (null when the document carries none, i.e. it is plaintext). The store neither knows nor
 * checks what the metadata means; `metadata.ts` does.
 */
export interface StoredDocument {
  branches: Branch[];
  metadata: PlainValue | null;
}

/** JSON-like data, with key order kept by insertion order of plain objects. */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

/**
 * Plain data with exact integers: what `toPlain` gives (the SDK's values, `get`'s JSON). Integers
 * beyond 2^53 are bigints; everything else is JSON-like.
 */
export type ExactPlainValue = string | number | bigint | boolean | null | ExactPlainValue[] | { [key: string]: ExactPlainValue };

export interface ToPlainOptions {
  /** The keys of a mapping to leave out (the SDK's metadata siblings); asked once per mapping. */
  omitKeys?: (branch: Branch) => ReadonlySet<string>;
}

/**
 * `o[key] = v` as an own data property even for `__proto__`: keys come from files, and a plain
 * assignment of `__proto__` would drop the key and set the object's prototype instead.
 */
export function setOwn<T>(o: { [key: string]: T }, key: string, v: T): void {
  Object.defineProperty(o, key, { value: v, writable: true, enumerable: true, configurable: true });
}

function plainOf(v: Value, exactIntegers: boolean, options: ToPlainOptions): ExactPlainValue {
  if (v instanceof Branch) {
    const omit = options.omitKeys?.(v);
    const o: { [key: string]: ExactPlainValue } = {};
    for (const it of v.items) {
      if (!(it instanceof Comment) && !omit?.has(it.key)) setOwn(o, it.key, plainOf(it.value, exactIntegers, options));
    }
    return o;
  }
  if (Array.isArray(v)) return v.filter((x): x is Value => !(x instanceof Comment)).map((x) => plainOf(x, exactIntegers, options));
  if (v instanceof SopsInt) {
    const n = Number(v.value);
    return !exactIntegers || Number.isSafeInteger(n) ? n : v.value;
  }
  if (v instanceof SopsFloat) return v.value;
  if (v instanceof SopsTime) return v.text;
  // Buffer's decoding: each maximal invalid sequence becomes one U+FFFD, and a BOM is kept.
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  return v;
}

/**
 * A tree value as plain JS data (JSON output, the SDK, tests): comments dropped, every key an own
 * property (`__proto__` included, never a prototype), a repeated key's last value kept in its first
 * position; integers as numbers (bigint beyond 2^53), floats as numbers, timestamps as their text,
 * bytes as UTF-8 text.
 */
export function toPlain(v: Value, options: ToPlainOptions = {}): ExactPlainValue {
  return plainOf(v, true, options);
}

/**
 * `toPlain` for JSON-like data (metadata, `--values` display): integers beyond 2^53 are rounded to
 * the nearest number instead of kept as bigint.
 */
export function toPlainValue(v: Value): PlainValue {
  return plainOf(v, false, {}) as PlainValue;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Builds a tree value from plain JS data (the inverse of `toPlain`): numbers that are integers in
 * the int64 range become SopsInt, other numbers SopsFloat (a float64, as sops reads a JSON number
 * beyond int64: an int of that size could not be decrypted again), bigints SopsInt, undefined null.
 * Throws a TypeError for anything else (a function, a symbol).
 */
export function fromPlain(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return new SopsInt(v);
  if (typeof v === "number") {
    if (!Number.isInteger(v)) return new SopsFloat(v);
    const n = BigInt(v);
    return n >= INT64_MIN && n <= INT64_MAX ? new SopsInt(n) : new SopsFloat(v);
  }
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(fromPlain);
  if (typeof v === "object") {
    return new Branch(Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, value: fromPlain(value) })));
  }
  throw new TypeError(`cannot store a value of type ${typeof v}`);
}
