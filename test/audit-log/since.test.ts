import { describe, expect, it } from "vitest";
import { parseSince } from "../../src/audit-log/since.js";
import { SecretsError } from "../../src/errors.js";

const NOW = new Date("2025-06-10T12:00:00Z");

describe("parseSince (--since of secrets audit --access)", () => {
  it("a duration back from now, in Vault's syntax", () => {
    expect(parseSince("24h", NOW).toISOString()).toBe("2025-06-09T12:00:00.000Z");
    expect(parseSince("7d", NOW).toISOString()).toBe("2025-06-03T12:00:00.000Z");
    expect(parseSince("1h30m", NOW).toISOString()).toBe("2025-06-10T10:30:00.000Z");
    expect(parseSince("90s", NOW).toISOString()).toBe("2025-06-10T11:58:30.000Z");
  });

  it("a date (midnight UTC) or an RFC 3339 time, offsets and fractions included", () => {
    expect(parseSince("2025-06-01", NOW).toISOString()).toBe("2025-06-01T00:00:00.000Z");
    expect(parseSince("2025-06-01T10:00:00Z", NOW).toISOString()).toBe("2025-06-01T10:00:00.000Z");
    expect(parseSince("2025-06-01t10:00:00.25z", NOW).toISOString()).toBe("2025-06-01T10:00:00.250Z");
    expect(parseSince("2025-06-01T10:00:00+02:00", NOW).toISOString()).toBe("2025-06-01T08:00:00.000Z");
  });

  it("refuses anything else with one usage line: bare numbers, days that do not exist, zero or negative durations, other spellings", () => {
    for (const bad of ["2024", "0", "2025-02-30", "2025-13-01", "2025-06-01T24:00:00Z", "2025-06-01T10:00:00", "-24h", "0s", "yesterday", "", "24 h", "2025/06/01"]) {
      let caught: unknown;
      try {
        parseSince(bad, NOW);
      } catch (e) {
        caught = e;
      }
      expect(caught, bad).toBeInstanceOf(SecretsError);
      expect((caught as SecretsError).kind).toBe("usage");
      expect((caught as SecretsError).message).toMatch(/^--since: expected a duration \(24h, 7d\) or a date or RFC 3339 time/);
    }
  });
});
