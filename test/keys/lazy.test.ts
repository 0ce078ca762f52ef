import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import YAML from "yaml";

/**
 * The speed contract: decrypting an X25519 entry must not load age-encryption. We bundle a small
 * script with age-encryption left external and run it where that package cannot be found: the
 * X25519 path must work (even with a post-quantum identity loaded next to the X25519 one), and the
 * post-quantum path must fail for want of the package, which proves the check can fail.
 */

const FLUX = "/work/shared/interop/sops-age/fluxcd-kustomize-controller";
const dir = mkdtempSync(join(tmpdir(), "keys-lazy-"));

const script = `
import { loadIdentities, unwrapDataKey } from ${JSON.stringify(resolve("src/keys/index.ts"))};
const [enc, ...keyFiles] = JSON.parse(process.argv[2]);
const set = await loadIdentities({ env: { SOPS_AGE_KEY: keyFiles.join("\\n") }, homedir: "/nonexistent" });
const key = await unwrapDataKey(enc, set);
process.stdout.write(Buffer.from(key).toString("hex"));
`;

function enc(file: string): string {
  return (YAML.parse(readFileSync(join(FLUX, file), "utf8")) as { sops: { age: { enc: string }[] } }).sops.age[0]!.enc;
}
function secretLine(keyFile: string): string {
  return readFileSync(join(FLUX, "keys", keyFile), "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY"))!;
}

describe("lazy loading of age-encryption", () => {
  it("X25519 unwrap runs without age-encryption; PQ needs it", async () => {
    writeFileSync(join(dir, "entry.ts"), script);
    await build({ entryPoints: [join(dir, "entry.ts")], bundle: true, platform: "node", format: "esm", target: "node20", outfile: join(dir, "out.mjs"), external: ["age-encryption"], logLevel: "silent" });
    const run = (args: unknown[]) => spawnSync(process.execPath, [join(dir, "out.mjs"), JSON.stringify(args)], { cwd: dir, encoding: "utf8" });

    const x = run([enc("algorithms-age.yaml"), secretLine("age-pq.txt"), secretLine("age.txt")]);
    expect(x.stderr).toBe("");
    expect(x.stdout).toBe("558e95c88337865c839703a4e892c03eed324ae6bbcb65c2989558e1a55825bb");

    const pq = run([enc("algorithms-age-pq.yaml"), secretLine("age.txt"), secretLine("age-pq.txt")]);
    expect(pq.status).not.toBe(0);
    expect(pq.stderr).toMatch(/Cannot find package 'age-encryption'/);
  });
});
