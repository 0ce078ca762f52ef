import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { bech32Encode } from "../../src/keys/age/bech32.js";
import { INTEROP } from "../helpers/fixtures.js";

/**
 * The speed contract: decrypting an X25519 entry, and wrapping a data key to an X25519 recipient,
 * must not load age-encryption. We bundle small scripts with age-encryption left external and run
 * them where that package cannot be found: the X25519 paths must work (even with a post-quantum
 * identity loaded next to the X25519 one; a low-order recipient is refused by our own check), and
 * the post-quantum paths must fail for want of the package, which proves the check can fail.
 */

const FLUX = join(INTEROP, "fluxcd-kustomize-controller");
const dir = mkdtempSync(join(tmpdir(), "keys-lazy-"));

const script = `
import { loadIdentities, unwrapDataKey } from ${JSON.stringify(resolve("src/keys/index.ts"))};
const [enc, ...keyFiles] = JSON.parse(process.argv[2]);
const set = await loadIdentities({ env: { SOPS_AGE_KEY: keyFiles.join("\\n") }, homedir: "/nonexistent" });
const key = await unwrapDataKey(enc, set);
process.stdout.write(Buffer.from(key).toString("hex"));
`;

const wrapScript = `
import { generateKeyPair, identitiesFromStrings, unwrapDataKey, wrapDataKey } from ${JSON.stringify(resolve("src/keys/index.ts"))};
const [mode, recipient, identity] = JSON.parse(process.argv[2]);
const key = new Uint8Array(32).fill(7);
if (mode === "roundtrip") {
  // Several wraps to the same recipient (the cached key) and one to a fresh one.
  const fresh = await generateKeyPair();
  for (const r of [recipient, recipient, fresh.recipient]) {
    const enc = await wrapDataKey(key, r);
    const back = await unwrapDataKey(enc, identitiesFromStrings([identity, fresh.identity]));
    process.stdout.write(enc.length + ":" + Buffer.from(back).toString("hex") + "\\n");
  }
} else {
  await wrapDataKey(key, recipient).then(
    () => process.stdout.write("wrapped\\n"),
    (e) => process.stdout.write(e.kind + ": " + e.message + "\\n" + (e.cause?.message ?? "") + "\\n"),
  );
}
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

  it("X25519 wrap runs without age-encryption (and refuses a low-order point); PQ wrap needs it", async () => {
    writeFileSync(join(dir, "wrap.ts"), wrapScript);
    await build({ entryPoints: [join(dir, "wrap.ts")], bundle: true, platform: "node", format: "esm", target: "node20", outfile: join(dir, "wrap.mjs"), external: ["age-encryption"], logLevel: "silent" });
    const run = (args: unknown[]) => spawnSync(process.execPath, [join(dir, "wrap.mjs"), JSON.stringify(args)], { cwd: dir, encoding: "utf8" });
    const x25519 = readFileSync(join(FLUX, "keys", "age.txt"), "utf8").match(/# public key: (age1\S+)/)![1]!;

    const x = run(["roundtrip", x25519, secretLine("age.txt")]);
    expect(x.stderr).toBe("");
    expect(x.stdout).toBe(`385:${"07".repeat(32)}\n`.repeat(3));

    const lowOrder = run(["wrap", bech32Encode("age", new Uint8Array(32))]);
    expect(lowOrder.stderr).toBe("");
    expect(lowOrder.stdout).toMatch(/^config: cannot encrypt to age recipient age1q{52}[a-z0-9]{6}: .*low-order/);
    expect(lowOrder.stdout).not.toMatch(/age-encryption/);

    const pqRecipient = readFileSync(join(FLUX, "keys", "age-pq.txt"), "utf8").match(/# public key: (age1pq1\S+)/)![1]!;
    const pq = run(["wrap", pqRecipient]);
    expect(pq.stdout).toMatch(/^config: cannot encrypt to age recipient age1pq1/);
    expect(pq.stdout).toMatch(/Cannot find package 'age-encryption'/);
  });
});
