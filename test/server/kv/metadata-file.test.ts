import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKvMetadataFile, parseKvMetadataFile, secretMetadata } from "../../../src/server/kv/metadata-file.js";
import { goDuration, vaultTime } from "../../../src/server/kv/time.js";

describe("the mount's .kv-metadata.yaml", () => {
  const c = "a".repeat(40);
  it("parses config and per-secret records keyed by file path", () => {
    const file = parseKvMetadataFile(
      [
        "config:",
        "  max_versions: 20",
        "  cas_required: true",
        "secrets:",
        "  app.yaml:",
        "    custom_metadata: {owner: team-a}",
        "    versions:",
        `      ${c}: {destroyed: true, deletion_time: "2024-01-01T00:00:00Z"}`,
      ].join("\n"),
    );
    expect(file.config).toEqual({ max_versions: 20, cas_required: true });
    expect(secretMetadata(file, "app.yaml").versions?.[c]).toEqual({ destroyed: true, deletion_time: "2024-01-01T00:00:00Z" });
    expect(secretMetadata(file, "other.yaml")).toEqual({});
    expect(parseKvMetadataFile("")).toEqual({});
  });

  it("refuses unknown keys, short commit ids and custom_metadata beyond Vault's limits (path_metadata.go) with kind config", () => {
    expect(() => parseKvMetadataFile("secrets: {app.yaml: {colour: red}}")).toThrow(expect.objectContaining({ kind: "config" }));
    expect(() => parseKvMetadataFile("secrets: {app.yaml: {versions: {abc123: {destroyed: true}}}}")).toThrow(/full commit id/);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, "v"]));
    expect(() => parseKvMetadataFile(JSON.stringify({ secrets: { "a.yaml": { custom_metadata: many } } }))).toThrow(/at most 64 keys/);
    expect(() => parseKvMetadataFile(JSON.stringify({ secrets: { "a.yaml": { custom_metadata: { k: "x".repeat(513) } } } }))).toThrow(/512 bytes/);
    expect(() => parseKvMetadataFile(JSON.stringify({ secrets: { "a.yaml": { custom_metadata: { k: "a\nb" } } } }))).toThrow(/printable/);
    expect(() => parseKvMetadataFile("a: [")).toThrow(/not valid YAML/);
  });

  it("reads an absent file as empty", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kv-meta-"));
    try {
      expect(await loadKvMetadataFile(dir)).toEqual({});
      writeFileSync(join(dir, ".kv-metadata.yaml"), "config: {max_versions: 3}\n");
      expect(await loadKvMetadataFile(dir)).toEqual({ config: { max_versions: 3 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("times and durations as the KV plugin prints them", () => {
  // Go's time.RFC3339Nano in UTC (ptypes.TimestampString): zero fractions dropped, trailing zeros trimmed.
  it.each([
    ["2018-03-22T02:24:06+00:00", "2018-03-22T02:24:06Z"],
    ["2024-01-01T10:00:00+02:00", "2024-01-01T08:00:00Z"],
    ["2024-06-30T23:59:59-07:00", "2024-07-01T06:59:59Z"],
    ["2018-03-22T02:24:06.500Z", "2018-03-22T02:24:06.5Z"],
    ["2018-03-22T02:24:10.120Z", "2018-03-22T02:24:10.12Z"],
  ])("%s → %s", (input, output) => expect(vaultTime(input)).toBe(output));

  // Go's time.Duration.String() for whole seconds; "0s" is path_metadata.go's default delete_version_after.
  it.each([
    [0, "0s"],
    [30, "30s"],
    [300, "5m0s"],
    [3723, "1h2m3s"],
    [86400, "24h0m0s"],
  ])("%i s → %s", (seconds, text) => expect(goDuration(seconds)).toBe(text));
});
