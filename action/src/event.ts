import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * The parts of the workflow event payload (GITHUB_EVENT_PATH) the review mode reads: the pull
 * request's number and its base and head commits. `pull_request` and `pull_request_target` carry them.
 */
const Sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/);
const PullRequestEvent = z.object({
  pull_request: z.object({
    number: z.number().int().positive(),
    base: z.object({ sha: Sha }),
    head: z.object({ sha: Sha }),
  }),
});

export interface PullRequest {
  number: number;
  base: string;
  head: string;
}

/** The pull request of the event, or null when the event is not about one (or the payload is unreadable). */
export function pullRequestOfEvent(path: string | undefined): PullRequest | null {
  if (!path) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
  const parsed = PullRequestEvent.safeParse(payload);
  if (!parsed.success) return null;
  const pr = parsed.data.pull_request;
  return { number: pr.number, base: pr.base.sha, head: pr.head.sha };
}
