/**
 * JSON Merge Patch (RFC 7396 section 2, `MergePatch(Target, Patch)`), which the KV plugin applies
 * for `PATCH <mount>/data/<path>` (path_data.go `pathDataPatch` through the SDK's
 * `framework.HandlePatchOperation`, i.e. evanphx/json-patch `MergePatch`): an object patch merges
 * key by key into an object target, a `null` member removes the key, any other patch value
 * (a scalar, an array) replaces the target as a whole. Pure: neither argument is changed.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out = new Map(Object.entries(isObject(target) ? target : {}));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) out.delete(key);
    else out.set(key, mergePatch(out.get(key), value));
  }
  // fromEntries defines own properties: a `__proto__` member is data here, as in Go's map.
  return Object.fromEntries(out);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
