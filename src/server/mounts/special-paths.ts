/**
 * A backend's special paths (sdk/logical Paths: `Root`, `Unauthenticated`…), matched as
 * vault/router.go matches them: each entry is an exact path, or a prefix when it ends in `*`; of
 * the entries that are a prefix of the request's path (below the mount), the longest decides. So
 * with `audit` (exact) and `audit/*` (prefix), `audit/file` is special (`audit/` is the longest)
 * and `audit-hash/file` is not (`audit` is the longest, and is not the whole path).
 */

/** The matcher of `entries`. */
export function specialPaths(entries: readonly string[]): (path: string) => boolean {
  const table = entries.map((e) => (e.endsWith("*") ? { key: e.slice(0, -1), prefix: true } : { key: e, prefix: false }));
  return (path) => {
    let best: { key: string; prefix: boolean } | undefined;
    for (const entry of table) if (path.startsWith(entry.key) && (best === undefined || entry.key.length > best.key.length)) best = entry;
    return best !== undefined && (best.prefix || best.key === path);
  };
}
