import type { TidyReport } from "../leases/manager.js";

/**
 * The server's reaper: every interval, the server's sweep (open.ts `tidyLeases`: the mounts built,
 * then `LeaseManager.tidy`, src/leases/manager.ts) — expired and
 * irrevocable leases revoked, then every engine's expired credentials dropped whether or not a
 * record names them, so the roles of a server killed with SIGKILL, or of a lost state directory, go
 * at the next tick of any server on the repository. Vault's expiration manager revokes each lease
 * on its own timer; one sweep per interval bounds the work the same way with no timer per lease.
 *
 * Ticks never overlap (the next is scheduled when one ends); the timer is unref'd, so it never
 * keeps a process alive; `stop` waits for a tick in progress. A tick's report goes to `report`
 * (one line per lease or failure, no secret: the manager's texts are sanitized).
 */
export class LeaseReaper {
  readonly #tidy: (now: number) => Promise<TidyReport>;
  readonly #intervalMs: number;
  readonly #report: (line: string) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(tidy: (now: number) => Promise<TidyReport>, intervalMs: number, report: (line: string) => void) {
    this.#tidy = tidy;
    this.#intervalMs = intervalMs;
    this.#report = report;
  }

  /** Starts ticking: the first tick at once (a restarted server reaps what its predecessor left). */
  start(): void {
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => {
        this.#running = undefined;
        this.#schedule(this.#intervalMs);
      });
    }, ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    let report: TidyReport;
    try {
      report = await this.#tidy(Math.floor(Date.now() / 1000));
    } catch {
      this.#report("secrets serve: the lease reaper failed; it tries again at the next interval");
      return;
    }
    for (const id of report.revoked) this.#report(`secrets serve: revoked expired lease ${id}`);
    for (const id of report.reaped) this.#report(`secrets serve: reaped ${id} (expired, no lease record left)`);
    for (const id of report.irrevocable) this.#report(`secrets serve: lease ${id} is irrevocable for now; tried again at the next interval`);
    for (const f of report.failures) this.#report(`secrets serve: reaper: ${f}`);
  }

  /** Stops the timer; resolves once a tick in progress has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }
}
