import { z } from "zod";

/**
 * One pull-request comment, created or updated through the GitHub REST API with the global `fetch`:
 * the comment is found by a hidden marker line, so each run replaces the previous report instead of
 * adding one more comment.
 *
 *   GET   {api}/repos/{owner}/{repo}/issues/{number}/comments?per_page=100&page=N
 *   POST  {api}/repos/{owner}/{repo}/issues/{number}/comments      {"body": …}
 *   PATCH {api}/repos/{owner}/{repo}/issues/comments/{id}           {"body": …}
 */

export interface CommentTarget {
  /** GITHUB_API_URL, e.g. https://api.github.com (GitHub Enterprise: https://host/api/v3). */
  apiUrl: string;
  /** owner/name */
  repository: string;
  issueNumber: number;
  token: string;
}

export type CommentResult = "created" | "updated" | "unchanged" | "not-needed";

/** A failed API call: the HTTP status (0 when the API could not be reached). Never carries a response body. */
export class GitHubApiError extends Error {
  constructor(readonly status: number) {
    super(`GitHub API request failed (${status})`);
    this.name = "GitHubApiError";
  }
}

const CommentList = z.array(z.object({ id: z.number().int(), body: z.string().nullish() }));
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const PER_PAGE = 100;
const MAX_PAGES = 50;

async function call(t: CommentTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(t.apiUrl.replace(/\/+$/, "") + path, {
      method,
      headers: {
        Accept: "application/vnd.github+json",
        Authorization: `Bearer ${t.token}`,
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "gitops-secrets-action",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
  } catch {
    throw new GitHubApiError(0);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new GitHubApiError(res.status);
  }
  try {
    return await res.json();
  } catch {
    throw new GitHubApiError(res.status);
  }
}

/** The id and body of the first comment holding `marker`, or null. */
export async function findComment(t: CommentTarget, marker: string): Promise<{ id: number; body: string } | null> {
  const base = `/repos/${t.repository}/issues/${t.issueNumber}/comments`;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const parsed = CommentList.safeParse(await call(t, "GET", `${base}?per_page=${PER_PAGE}&page=${page}`));
    if (!parsed.success) throw new GitHubApiError(200);
    const hit = parsed.data.find((c) => c.body?.includes(marker));
    if (hit) return { id: hit.id, body: hit.body ?? "" };
    if (parsed.data.length < PER_PAGE) return null;
  }
  return null;
}

/**
 * Makes the pull request hold one comment with `body` (which must contain `marker`): updates the
 * existing one, or creates it when `create` is true (a report with nothing to say is not worth a new
 * comment, but an old report must still be corrected).
 */
export async function upsertComment(t: CommentTarget, marker: string, body: string, create: boolean): Promise<CommentResult> {
  if (!REPOSITORY.test(t.repository) || !Number.isInteger(t.issueNumber) || t.issueNumber <= 0) throw new GitHubApiError(0);
  const existing = await findComment(t, marker);
  if (existing) {
    if (existing.body === body) return "unchanged";
    await call(t, "PATCH", `/repos/${t.repository}/issues/comments/${existing.id}`, { body });
    return "updated";
  }
  if (!create) return "not-needed";
  await call(t, "POST", `/repos/${t.repository}/issues/${t.issueNumber}/comments`, { body });
  return "created";
}
