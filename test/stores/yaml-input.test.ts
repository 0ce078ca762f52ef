import { describe, expect, it } from "vitest";
import { yamlStore } from "../../src/sops/stores/yaml.js";
import { expectStoreError } from "./expect-error.js";

const parse = (s: string) => yamlStore.parsePlain(new TextEncoder().encode(s))[0]!;

describe("YAML !!binary", () => {
  it("decodes valid base64 (spaces and line breaks allowed, as go-yaml)", () => {
    expect(parse("b: !!binary aGVs\n  bG8=\n").get("b")).toEqual(new Uint8Array(Buffer.from("hello")));
    expect(parse("b: !!binary ''\n").get("b")).toEqual(new Uint8Array(0));
  });

  it("refuses invalid base64 with a line-numbered parse error instead of mangling it", () => {
    for (const bad of ["aGVsbG8", "aGV*bG8=", "aGVsbG8===", "=aGVs", "aG=s"]) {
      const e = expectStoreError(() => parse(`a: 1\nb: !!binary ${bad}\n`), "parse", bad);
      expect(e.message).toBe("invalid YAML at line 2: a !!binary value is not valid base64");
    }
  });
});
