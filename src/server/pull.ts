/**
 * `secrets serve --pull-interval D`: the server follows its branch's upstream, fast-forward only.
 * Every D (the first time at start), when the checked-out branch has an upstream on a remote, it
 * fetches that remote, and when the branch is only behind it fast-forwards the branch, the index
 * and the work tree (src/git/upstream.ts). What it serves follows at once: every request reads the
 * repository as it is now.
 *
 * - The fetch runs beside requests (it moves only remote-tracking refs); the fast-forward runs in
 *   the write gate's exclusive side and the commit queue's turn, so no write of the server is in
 *   flight (none has an uncommitted file, none read a file the fast-forward then replaces) and no
 *   commit contends for git's index.
 * - Never a merge, a rebase or a reset. A branch that diverged (commits of its own that the
 *   upstream lacks, and upstream commits it lacks: the server took writes while others pushed) is
 *   left alone; so is a work tree whose changes a fast-forward would overwrite (git refuses). Each
 *   such condition is reported once, when it starts, not at every tick; a fetch that fails too.
 * - A tick never overlaps the next: the next is scheduled when one ends.
 *
 * Reports go to the `report` callback (the CLI prints them on stderr); they name branches,
 * remotes, commits and paths, never a value.
 */
import { fastForwardTo, fetchUpstream, standingOf, upstreamOf, type Upstream } from "../git/upstream.js";
import type { Repo } from "../git/repo.js";
import type { GitOperationMarks } from "../git/stale-locks.js";
import type { KvWriteContext } from "./kv/write-context.js";

export interface PullOptions {
  repo: Repo;
  /** The server's writes: their gate and commit queue. */
  writes: Pick<KvWriteContext, "gate" | "commits">;
  intervalMs: number;
  /** Marks the fetch, as commits are marked (src/git/stale-locks.ts). */
  marks?: GitOperationMarks;
  /** How long a fetch may take (default 60 s). */
  fetchTimeoutMs?: number;
  report: (message: string) => void;
}

/** What one tick did. */
export type PullOutcome =
  | { kind: "no-upstream" }
  | { kind: "failed"; reason: string }
  | { kind: "up-to-date" }
  | { kind: "diverged"; ahead: number; behind: number }
  | { kind: "blocked"; reason: string }
  | { kind: "fast-forwarded"; from: string; to: string; commits: number };

const short = (id: string) => id.slice(0, 12);
/** A remote's URL in git's message may carry credentials (`https://user:token@host/…`): never print them. */
const withoutCredentials = (text: string) => text.replace(/:\/\/[^/@\s]+@/g, "://***@");

export class CheckoutPuller {
  readonly #opts: PullOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;
  /** Aborts a fetch in flight when stopping: a fetch may wait on the network for its whole timeout. */
  readonly #abort = new AbortController();
  /** The condition last reported (diverged, blocked…), so that each is reported once while it lasts. */
  #condition: string | null = null;

  constructor(opts: PullOptions) {
    this.#opts = opts;
  }

  /** Runs a tick now, then one every interval after the last one ended, until {@link stop}. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined || this.#running !== undefined) return;
    const loop = (): void => {
      this.#timer = undefined;
      this.#running = this.tick().finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(loop, this.#opts.intervalMs);
      });
    };
    loop();
  }

  /** No more ticks; a fetch in flight is killed, a fast-forward in flight finishes; resolves when the round has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One round: fetch, compare, fast-forward when only behind. Reports as described above; never rejects. */
  async tick(): Promise<PullOutcome> {
    let outcome: PullOutcome;
    try {
      outcome = await this.#round();
    } catch (e) {
      outcome = { kind: "failed", reason: withoutCredentials(e instanceof Error ? e.message : "error") };
    }
    this.#reportOutcome(outcome);
    return outcome;
  }

  async #round(): Promise<PullOutcome> {
    const { repo, writes, marks } = this.#opts;
    const upstream = await upstreamOf(repo);
    if (!upstream) return { kind: "no-upstream" };
    try {
      const fetch = () => fetchUpstream(repo, upstream, { timeoutMs: this.#opts.fetchTimeoutMs ?? 60_000, signal: this.#abort.signal });
      await (marks ? marks.around(fetch) : fetch());
    } catch (e) {
      return { kind: "failed", reason: withoutCredentials(e instanceof Error ? e.message : "error") };
    }
    if (this.#stopped) return { kind: "up-to-date" };
    const before = await standingOf(repo, upstream);
    if (before.behind === 0) return { kind: "up-to-date" };
    if (before.ahead > 0) return { kind: "diverged", ahead: before.ahead, behind: before.behind };
    return writes.gate.exclusive(() => writes.commits.exclusive(() => this.#fastForward(upstream)));
  }

  /** With no write in flight: compare again (a write may have committed since), then fast-forward. */
  async #fastForward(upstream: Upstream): Promise<PullOutcome> {
    const { repo } = this.#opts;
    const now = await standingOf(repo, upstream);
    if (now.behind === 0) return { kind: "up-to-date" };
    if (now.ahead > 0) return { kind: "diverged", ahead: now.ahead, behind: now.behind };
    const done = await fastForwardTo(repo, now.upstream);
    if (!done.ok) return { kind: "blocked", reason: done.reason };
    return { kind: "fast-forwarded", from: now.head, to: now.upstream, commits: now.behind };
  }

  #reportOutcome(outcome: PullOutcome): void {
    // A round cut short by stop() has nothing to say.
    if (this.#stopped && outcome.kind === "failed") return;
    const condition = outcome.kind === "up-to-date" || outcome.kind === "fast-forwarded" ? null : outcome.kind;
    const fresh = condition !== null && condition !== this.#condition;
    this.#condition = condition;
    const say = (m: string) => this.#opts.report(`secrets serve: ${m}`);
    switch (outcome.kind) {
      case "fast-forwarded":
        say(`pulled ${outcome.commits} commit${outcome.commits === 1 ? "" : "s"}: fast-forwarded ${short(outcome.from)}..${short(outcome.to)}`);
        return;
      case "up-to-date":
        return;
      default:
        if (!fresh) return;
        if (outcome.kind === "no-upstream") say("--pull-interval: the checked-out branch has no upstream on a remote; nothing is pulled until it has one");
        else if (outcome.kind === "failed") say(`--pull-interval: ${outcome.reason}; trying again every interval`);
        else if (outcome.kind === "diverged") say(`--pull-interval: the branch and its upstream have diverged (${outcome.ahead} commit${outcome.ahead === 1 ? "" : "s"} here, ${outcome.behind} there): not pulled; merge them yourself (the server never merges or resets)`);
        else say(`--pull-interval: not fast-forwarded: ${outcome.reason}`);
    }
  }
}
