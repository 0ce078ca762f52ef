import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = join(ROOT, "dist", "cli.js");

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A sandbox for CLI tests: a temp directory with a git repo, its own HOME/XDG_CONFIG_HOME (so the
 * default key file is the sandbox's, never the developer's) and TMPDIR (so tests can see that no
 * plaintext is left behind). XDG_RUNTIME_DIR is the same folder: `edit` prefers it to TMPDIR.
 */
export class Sandbox {
  readonly dir: string;
  readonly repo: string;
  readonly env: NodeJS.ProcessEnv;

  /**
   * `from`: start as a copy of that sandbox's whole directory (repo with its .git, keys, home, and
   * anything beside them), so a file can build a fixture once with the CLI and give every test its
   * own copy. Git's config and hooks name no sandbox path, so the copy is a repository of its own.
   */
  constructor(opts: { git?: boolean; from?: Sandbox } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "secrets-test-"));
    this.repo = join(this.dir, "repo");
    if (opts.from) {
      // verbatimSymlinks: a relative link stays relative, so it points into the copy, not the original.
      cpSync(opts.from.dir, this.dir, { recursive: true, verbatimSymlinks: true });
    } else {
      mkdirSync(this.repo);
      for (const d of ["home", "config", "tmp"]) mkdirSync(join(this.dir, d));
    }
    chmodSync(join(this.dir, "tmp"), 0o700); // XDG_RUNTIME_DIR must be 0700, else it is not used
    const env: NodeJS.ProcessEnv = {};
    for (const k of ["PATH", "LANG", "SYSTEMROOT"]) if (process.env[k]) env[k] = process.env[k];
    this.env = {
      ...env,
      HOME: join(this.dir, "home"),
      XDG_CONFIG_HOME: join(this.dir, "config"),
      TMPDIR: join(this.dir, "tmp"),
      XDG_RUNTIME_DIR: join(this.dir, "tmp"),
      GIT_AUTHOR_NAME: "Test",
      GIT_AUTHOR_EMAIL: "test@example.com",
      GIT_COMMITTER_NAME: "Test",
      GIT_COMMITTER_EMAIL: "test@example.com",
    };
    if (opts.git !== false && !opts.from) this.git("init", "-q", "-b", "main");
  }

  get tmp(): string {
    return join(this.dir, "tmp");
  }

  path(...p: string[]): string {
    return join(this.repo, ...p);
  }

  git(...args: string[]): string {
    const r = spawnSync("git", args, { cwd: this.repo, env: this.env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** Runs `secrets ARGS` in the repo; resolves with code and output (never rejects on exit codes). */
  run(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? this.repo, env: { ...this.env, ...opts.env } });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (c) => out.push(c));
      child.stderr.on("data", (c) => err.push(c));
      child.on("error", reject);
      child.on("close", (code, signal) =>
        resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }),
      );
      if (opts.input !== undefined) child.stdin.end(opts.input);
      else child.stdin.end();
    });
  }

  /** Like run, but fails the test with the CLI's stderr when the exit code is not 0. */
  async ok(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`secrets ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
