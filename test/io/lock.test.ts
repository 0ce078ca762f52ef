import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { isSecretsError } from "../../src/errors.js";
import { lockPathFor, LockSet, withFileLock } from "../../src/io/lock.js";
import { SecretsClient } from "../../src/sdk/client.js";
import { applyPlans, planFile } from "../../src/access/update.js";
import { importSecrets } from "../../src/dotenv-import/import.js";
import { generateKeyPair } from "../../src/keys/keygen.js";
import { keySourceFromIdentities } from "../../src/sdk/keys.js";
import { Sandbox } from "../helpers/cli.js";
import { CliWorker } from "../helpers/cli-worker.js";
import { decryptedValues } from "../helpers/sandbox-files.js";
import { makeFixture, type Fixture } from "../sdk/fixture.js";

/** A pid that existed and is gone now (a process that has exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "0"]);
  return r.pid!;
}

/** A sandbox repository with a key, `secrets init`'s policy and `secrets/app.yaml` encrypted from `plain`. */
async function sandboxWithSecret(plain: string): Promise<Sandbox> {
  const sb = new Sandbox();
  await sb.ok(["keygen"]);
  await sb.ok(["init"]);
  mkdirSync(sb.path("secrets"));
  writeFileSync(sb.path("secrets", "app.yaml"), plain);
  await sb.ok(["encrypt", "-i", "secrets/app.yaml"]);
  return sb;
}

describe("withFileLock", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "secrets-lock-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs writers of one file one at a time and removes its lock afterwards", async () => {
    const target = join(dir, "app.yaml");
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        withFileLock(target, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 5));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(existsSync(lockPathFor(target))).toBe(false);
  });

  it("fails with kind locked (exit 53) after the timeout, without running the change", async () => {
    const target = join(dir, "app.yaml");
    const lock = lockPathFor(target);
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), created: Date.now(), nonce: "other" }));
    let ran = false;
    const e = await withFileLock(target, async () => void (ran = true), { timeoutMs: 150 }).catch((x: unknown) => x);
    expect(isSecretsError(e) && e.kind).toBe("locked");
    expect(isSecretsError(e) && e.exitCode).toBe(53);
    expect(ran).toBe(false);
    // The live holder's lock is still there: a writer that gives up never removes it.
    expect(JSON.parse(readFileSync(lock, "utf8")).nonce).toBe("other");
  });

  it("takes over at once a lock whose holder on this host is dead", async () => {
    const target = join(dir, "app.yaml");
    writeFileSync(lockPathFor(target), JSON.stringify({ pid: deadPid(), host: hostname(), created: Date.now(), nonce: "dead" }));
    const started = Date.now();
    expect(await withFileLock(target, async () => "ran", { timeoutMs: 5_000 })).toBe("ran");
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("takes over a lock from another host only once it is older than staleMs", async () => {
    const target = join(dir, "app.yaml");
    writeFileSync(lockPathFor(target), JSON.stringify({ pid: 1, host: "elsewhere", created: Date.now(), nonce: "far" }));
    const e = await withFileLock(target, async () => "ran", { timeoutMs: 100, staleMs: 60_000 }).catch((x: unknown) => x);
    expect(isSecretsError(e) && e.kind).toBe("locked");
    await new Promise((r) => setTimeout(r, 30));
    expect(await withFileLock(target, async () => "ran", { timeoutMs: 2_000, staleMs: 10 })).toBe("ran");
  });

  it("takes over an empty lock (its writer died before filling it) after two seconds, not the stale bound", async () => {
    const target = join(dir, "app.yaml");
    writeFileSync(lockPathFor(target), "");
    const old = new Date(Date.now() - 3_000);
    utimesSync(lockPathFor(target), old, old);
    expect(await withFileLock(target, async () => "ran", { timeoutMs: 1_000, staleMs: 60_000 })).toBe("ran");
  });

  it("removes temp files of dead writers beside the file, not those of live ones", async () => {
    const target = join(dir, "app.yaml");
    const dead = join(dir, `.app.yaml.${deadPid()}.0123456789ab.tmp`);
    const live = join(dir, `.app.yaml.${process.pid}.0123456789ab.tmp`);
    writeFileSync(dead, "partial");
    writeFileSync(live, "in progress");
    await withFileLock(target, async () => undefined);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it("a path through a symbolic link and the file itself share one lock", () => {
    writeFileSync(join(dir, "real.yaml"), "a: 1\n");
    symlinkSync("real.yaml", join(dir, "link.yaml"));
    expect(lockPathFor(join(dir, "link.yaml"))).toBe(lockPathFor(join(dir, "real.yaml")));
    expect(lockPathFor(join(dir, "new.yaml"))).toBe(join(realpathSync(dir), ".new.yaml.lock"));
  });

  it("LockSet queues one owner's writers per file", async () => {
    const set = new LockSet();
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => set.run(join(dir, "a.yaml"), async () => void order.push(n))));
    expect(order).toEqual([1, 2, 3]);
  });
});

describe("no lost update through the CLI", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await sandboxWithSecret("seed: 1\n");
  });
  afterAll(() => sb.cleanup());

  it("50 rounds of two concurrent `secrets set` on one file keep both values", async () => {
    const set = (key: string, round: number) => ["set", "secrets/app.yaml", `["${key}"]`, `"${key}${round}"`];
    // Round 0: two `secrets set` processes as a user starts them.
    const [a, b] = await Promise.all([sb.run(set("a", 0)), sb.run(set("b", 0))]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, "", ""]);
    const plain = await sb.ok(["decrypt", "secrets/app.yaml"]);
    expect(plain).toContain("a: a0");
    expect(plain).toContain("b: b0");
    // Rounds 1-49: the same command in two long-lived processes (the contention is between two OS
    // processes, as above; Node starts twice instead of 98 times), both released at once each round,
    // and the file decrypted in this process.
    const workers = await Promise.all([CliWorker.start(sb), CliWorker.start(sb)]);
    onTestFinished(() => Promise.all(workers.map((w) => w.stop())).then(() => undefined));
    for (let round = 1; round < 50; round++) {
      const [a, b] = await Promise.all([workers[0].run(set("a", round)), workers[1].run(set("b", round))]);
      expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, "", ""]);
      expect(await decryptedValues(sb, "secrets/app.yaml")).toMatchObject({ a: `a${round}`, b: `b${round}` });
    }
    expect(await Promise.all(workers.map((w) => w.stop()))).toEqual([0, 0]);
    expect(workers.map((w) => w.output())).toEqual(["", ""]);
    expect(readdirSync(sb.path("secrets")).filter((n) => n.endsWith(".lock") || n.endsWith(".tmp"))).toEqual([]);
  }, 240_000);

  it("a lock holder killed with SIGKILL does not block the next writer", async () => {
    const lock = lockPathFor(sb.path("secrets", "app.yaml"));
    // The holder writes its lock as withFileLock does, then hangs until it is killed.
    const holder = spawn(process.execPath, [
      "-e",
      `require("fs").writeFileSync(${JSON.stringify(lock)}, JSON.stringify({ pid: process.pid, host: require("os").hostname(), created: Date.now(), nonce: "killed" }), { flag: "wx" }); console.log("locked"); setInterval(() => {}, 1000);`,
    ]);
    onTestFinished(() => void holder.kill("SIGKILL"));
    await new Promise<void>((resolve) => holder.stdout.once("data", () => resolve()));
    const blocked = await sb.run(["set", "secrets/app.yaml", '["c"]', '"blocked"'], { env: { SECRETS_LOCK_TIMEOUT: "300ms" } });
    expect(blocked.code).toBe(53);
    expect(blocked.stderr).toMatch(/^secrets: secrets\/app\.yaml: another writer holds \.app\.yaml\.lock; nothing was changed/);
    expect(await sb.ok(["decrypt", "secrets/app.yaml"])).not.toContain("blocked");
    holder.kill("SIGKILL");
    await new Promise((r) => holder.once("exit", r));
    await sb.ok(["set", "secrets/app.yaml", '["c"]', '"after"']);
    expect(await sb.ok(["decrypt", "secrets/app.yaml"])).toContain("c: after");
    expect(existsSync(lock)).toBe(false);
  }, 60_000);

  it("a killed writer's temp file (plaintext of decrypt --output) is removed by the next write to that target", async () => {
    const out = sb.path("plain.yaml");
    const stale = sb.path(`.plain.yaml.${deadPid()}.0123456789ab.tmp`);
    writeFileSync(stale, "password: leftover\n", { mode: 0o600 });
    await sb.ok(["decrypt", "--output", out, "secrets/app.yaml"]);
    expect(existsSync(stale)).toBe(false);
    const staleCipher = sb.path("secrets", `.app.yaml.${deadPid()}.0123456789ab.tmp`);
    writeFileSync(staleCipher, "ENC[...]");
    await sb.ok(["set", "secrets/app.yaml", '["d"]', '"x"']);
    expect(existsSync(staleCipher)).toBe(false);
  });
});

describe("encrypt takes the destination's lock", () => {
  it("encrypt -i and encrypt --output wait for a live holder, fail with exit 53 and change nothing", async () => {
    const sb = await sandboxWithSecret("seed: 1\n");
    onTestFinished(() => sb.cleanup());
    writeFileSync(sb.path("secrets", "new.yaml"), "token: plain-for-now\n");
    writeFileSync(sb.path("secrets", "new2.yaml"), "token: plain-for-now\n");
    const live = JSON.stringify({ pid: process.pid, host: hostname(), created: Date.now(), nonce: "test" });
    for (const [args, target] of [
      [["encrypt", "-i", "secrets/new.yaml"], "new.yaml"],
      [["encrypt", "--output", "secrets/app.yaml", "secrets/new2.yaml"], "app.yaml"],
    ] as const) {
      const before = readFileSync(sb.path("secrets", target));
      writeFileSync(lockPathFor(sb.path("secrets", target)), live);
      const r = await sb.run([...args], { env: { SECRETS_LOCK_TIMEOUT: "300ms" } });
      expect([r.code, r.stderr]).toEqual([53, expect.stringContaining(`another writer holds .${target}.lock`)]);
      expect(readFileSync(sb.path("secrets", target))).toEqual(before);
      rmSync(lockPathFor(sb.path("secrets", target)));
      await sb.ok([...args]);
    }
  });
});

describe("verify and killed writers' temp files", () => {
  it("names a dead writer's temp file as a problem, ignores a live writer's, and passes once the next write removed it", async () => {
    const sb = await sandboxWithSecret("seed: 1\n");
    onTestFinished(() => sb.cleanup());
    const stale = `.app.yaml.${deadPid()}.0123456789ab.tmp`;
    writeFileSync(sb.path("secrets", stale), readFileSync(sb.path("secrets", "app.yaml")));
    writeFileSync(sb.path("secrets", `.app.yaml.${process.pid}.0123456789ab.tmp`), "a live writer's");
    const r = await sb.run(["verify"]);
    expect(r.code).not.toBe(0);
    const said = r.stdout + r.stderr;
    expect(said).toContain(`secrets/${stale}: a temp file left by a killed writer`);
    expect(said).not.toContain(`.app.yaml.${process.pid}.`);
    rmSync(sb.path("secrets", `.app.yaml.${process.pid}.0123456789ab.tmp`));
    await sb.ok(["set", "secrets/app.yaml", '["a"]', '"1"']);
    expect(existsSync(sb.path("secrets", stale))).toBe(false);
    expect((await sb.run(["verify"])).code).toBe(0);
  });
});

describe("no lost update through the SDK", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await makeFixture();
    await fx.put("app.yaml", { seed: "1" });
  });
  afterAll(() => fx.cleanup());

  it("100 concurrent set() calls of one client all land", async () => {
    const client = new SecretsClient({ root: fx.root, identities: [fx.identity] });
    await Promise.all(Array.from({ length: 100 }, (_, i) => client.set(`app/k${i}`, `v${i}`)));
    const fresh = new SecretsClient({ root: fx.root, identities: [fx.identity] });
    const got = await fresh.getMany(Array.from({ length: 100 }, (_, i) => `app/k${i}`));
    expect(Object.keys(got)).toHaveLength(100);
    for (let i = 0; i < 100; i++) expect(got[`app/k${i}`]).toBe(`v${i}`);
  }, 120_000);

  it("two clients (as two processes would) writing new files at once keep every value", async () => {
    mkdirSync(join(fx.root, "new"), { recursive: true });
    const a = new SecretsClient({ root: fx.root, identities: [fx.identity] });
    const b = new SecretsClient({ root: fx.root, identities: [fx.identity] });
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).set(`new/svc/k${i}`, `v${i}`)));
    const got = await new SecretsClient({ root: fx.root, identities: [fx.identity] }).getMany(Array.from({ length: 20 }, (_, i) => `new/svc/k${i}`));
    expect(Object.keys(got)).toHaveLength(20);
  }, 60_000);
});

describe("repository-wide re-keys (grant, revoke, updatekeys --all) under the lock", () => {
  it("a file changed since it was planned is not overwritten: conflict, and the other writer's value stays", async () => {
    const fx = await makeFixture();
    onTestFinished(() => fx.cleanup());
    const file = await fx.put("app.yaml", { a: "1" });
    const other = (await generateKeyPair()).recipient;
    const plan = await planFile({ file: "secrets/app.yaml", abs: file, format: "yaml", target: { groups: [[fx.recipient, other]] }, keys: keySourceFromIdentities([fx.identity]) });
    expect(plan).not.toBeNull();
    const client = new SecretsClient({ root: fx.root, identities: [fx.identity] });
    await client.set("app/b", "written meanwhile");
    const e = await applyPlans([plan!]).catch((x: unknown) => x);
    expect(isSecretsError(e) && [e.kind, e.file]).toEqual(["conflict", "secrets/app.yaml"]);
    client.clearCache();
    expect(await client.get("app/b")).toBe("written meanwhile");
    // Planned again from what is there now, it goes through.
    await applyPlans([(await planFile({ file: "secrets/app.yaml", abs: file, format: "yaml", target: { groups: [[fx.recipient, other]] }, keys: keySourceFromIdentities([fx.identity]) }))!]);
    expect(readFileSync(file, "utf8")).toContain(other);
  });
});

describe("import under the lock", () => {
  it("a target changed by another writer after the import was planned is not overwritten: conflict, source kept", async () => {
    const fx = await makeFixture();
    onTestFinished(() => fx.cleanup());
    const target = await fx.put("app.yaml", { EXISTING: "kept" });
    const source = join(fx.dir, ".env");
    writeFileSync(source, "API_TOKEN=tok_live_0123456789abcdef\n");
    const client = new SecretsClient({ root: fx.root, identities: [fx.identity] });
    const e = await importSecrets({
      source,
      target,
      keys: keySourceFromIdentities([fx.identity]),
      history: false,
      creationFor: async () => {
        throw new Error("the target exists");
      },
      onStep: async (step) => {
        if (step === "planned") await client.set("app/OTHER", "written meanwhile");
      },
    }).catch((x: unknown) => x);
    expect(isSecretsError(e) && e.kind).toBe("conflict");
    client.clearCache();
    expect(await client.get("app/OTHER")).toBe("written meanwhile");
    expect(await client.get("app/EXISTING")).toBe("kept");
    expect(readFileSync(source, "utf8")).toContain("API_TOKEN=");
  });
});

describe("plaintext outputs never go through a symbolic link", () => {
  it("decrypt --output onto a link: exit 3, the link's target untouched, no plaintext written", async () => {
    const sb = await sandboxWithSecret("password: link-target-secret\n");
    onTestFinished(() => sb.cleanup());
    const outside = join(sb.dir, "outside.txt");
    writeFileSync(outside, "untouched\n");
    symlinkSync(outside, sb.path("out.yaml"));
    const r = await sb.run(["decrypt", "--output", "out.yaml", "secrets/app.yaml"]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe("secrets: out.yaml: is a symbolic link: plaintext is never written through one (name the real file, or remove the link)\n");
    expect(readFileSync(outside, "utf8")).toBe("untouched\n");
  });
});
