/**
 * Freezes a tree of plain objects and arrays in place, all the way down, and returns it: for values
 * a cache hands to many callers, so that a caller changing one throws (ESM code is strict) instead
 * of silently changing what every later caller gets. Byte arrays are left as they are (a typed
 * array with elements cannot be frozen).
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    for (const v of Object.values(value as object)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
