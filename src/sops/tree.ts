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

/** Converts a tree value to plain JS data (for JSON output, the SDK and tests). */
export function toPlain(v: Value): unknown {
  if (v instanceof Branch) {
    const o: Record<string, unknown> = {};
    for (const it of v.items) if (!(it instanceof Comment)) o[it.key] = toPlain(it.value);
    return o;
  }
  if (Array.isArray(v)) return v.filter((x) => !(x instanceof Comment)).map((x) => toPlain(x as Value));
  if (v instanceof SopsInt) {
    const n = Number(v.value);
    return Number.isSafeInteger(n) ? n : v.value;
  }
  if (v instanceof SopsFloat) return v.value;
  if (v instanceof SopsTime) return v.text;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  return v;
}

/** Builds a tree value from plain JS data (numbers that are integers become SopsInt). */
export function fromPlain(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return new SopsInt(v);
  if (typeof v === "number") return Number.isInteger(v) ? new SopsInt(BigInt(v)) : new SopsFloat(v);
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(fromPlain);
  if (typeof v === "object") {
    return new Branch(Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, value: fromPlain(value) })));
  }
  throw new TypeError(`cannot store a value of type ${typeof v}`);
}
