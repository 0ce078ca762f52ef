import { describe, expect, it } from "vitest";
import { mdCell, mdCode } from "../../src/access/report.js";

describe("Markdown cells for PR comments", () => {
  it("escape HTML, pipes and newlines, so a crafted name cannot hide or break rows", () => {
    expect(mdCell("eve<!--")).toBe("eve&lt;!--");
    expect(mdCell("<b>x</b> & y")).toBe("&lt;b&gt;x&lt;/b&gt; &amp; y");
    expect(mdCell("a|b\nc")).toBe("a\\|b c");
    expect(mdCode("secrets/a|b.yaml")).toBe("`secrets/a\\|b.yaml`");
    expect(mdCode("x`y\nz")).toBe("`x'y z`");
  });
});
