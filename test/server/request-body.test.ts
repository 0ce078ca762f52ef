import { describe, expect, it } from "vitest";
import { decodeBody } from "../../src/server/request-body.js";
import { goPathUnescape, parseGoQuery } from "../../src/util/go-url.js";

/**
 * The request body as Vault's http/logical.go reads it (jsonutil.DecodeJSONFromReader into a map;
 * isForm and parseFormRequest), and Go's net/url unescaping.
 */

const json = (body: string) => decodeBody(Buffer.from(body), { method: "POST", contentType: "application/json", rawQuery: "" });
const form = (body: string, rawQuery = "") => decodeBody(Buffer.from(body), { method: "POST", contentType: "application/x-www-form-urlencoded; charset=utf-8", rawQuery });

describe("decodeBody", () => {
  it("JSON: the first value only (a json.Decoder reads no further); an object is data, null or nothing is none, anything else an error", () => {
    expect(json('{"a":{"b":[1,"}"]}} and then {"more"')).toEqual({ ok: true, data: { a: { b: [1, "}"] } } });
    expect(json('  {"s":"\\"}{"}x')).toEqual({ ok: true, data: { s: '"}{' } });
    for (const none of ["", " \r\n\t", "null", "null{"]) expect(json(none)).toEqual({ ok: true, data: null });
    for (const bad of ["[1]", '"x"', "1", "false", "{", '{"a":1]', "{'a':1}", "nul", "x"]) expect(json(bad)).toEqual({ ok: false, message: "error parsing JSON" });
  });

  it("a form when the media type says so and the body does not start like JSON (Vault's isForm)", () => {
    expect(form("a=1&b=x+y&a=2&&c")).toEqual({ ok: true, data: { a: "1,2", b: "x y", c: "" } });
    expect(form(' \n{"a":1}')).toEqual({ ok: true, data: { a: 1 } });
    expect(form("[1]")).toEqual({ ok: false, message: "error parsing JSON" });
    expect(form("")).toEqual({ ok: true, data: null });
    for (const [bad, q] of [["a=%g0", ""], ["a=1;b", ""], ["a=1", "b=%"]]) expect(form(bad!, q)).toEqual({ ok: false, message: "error parsing form data" });
    expect(form("x".repeat((10 << 20) + 1))).toEqual({ ok: false, message: "error parsing form data" });
    // PATCH bodies are JSON whatever the Content-Type says (it is the merge-patch one).
    expect(decodeBody(Buffer.from("a=1"), { method: "PATCH", contentType: "application/x-www-form-urlencoded", rawQuery: "" })).toEqual({ ok: false, message: "error parsing JSON" });
  });
});

describe("go-url", () => {
  it("path unescaping: a bad escape is an error, a byte that is no UTF-8 is not", () => {
    expect(goPathUnescape("/v1/a%2Fb+c%41")).toBe("/v1/a/b+cA");
    expect(goPathUnescape("/%ff")).toBe("/\uFFFD");
    for (const bad of ["/%", "/%4", "/%zz", "/%%41"]) expect(goPathUnescape(bad)).toBeNull();
  });

  it("ParseQuery keeps going past a bad pair, and says it failed", () => {
    const q = parseGoQuery("a=1&b=%zz&c=3;x&d=4");
    expect([...q.values]).toEqual([["a", ["1"]], ["d", ["4"]]]);
    expect(q.failed).toBe(true);
    expect(parseGoQuery("=v&k").values.get("")).toEqual(["v"]);
  });
});
