/**
 * The part of the `reflect-metadata` API that @peculiar/x509's dependency injection (tsyringe)
 * calls: `Reflect.defineMetadata`, `getOwnMetadata` and `getMetadata`. tsyringe refuses to load
 * without them ("tsyringe requires a reflect polyfill"), and `reflect-metadata` is not installed.
 * x509's classes carry no emitted design-time metadata, so tsyringe only ever stores and reads the
 * injection tokens it defines itself; a map per target, walked up the prototype chain for
 * `getMetadata`, is all it needs.
 *
 * Installed at most once, on the global `Reflect` (a polyfill is global by nature, like the one it
 * stands in for), and never over a real `reflect-metadata`: {@link installReflectMetadata} leaves
 * an existing `Reflect.getMetadata` alone. The metadata map is a WeakMap, so targets are not kept alive.
 */

type MetadataKey = unknown;
type Store = Map<MetadataKey, unknown>;

interface ReflectMetadataApi {
  defineMetadata(key: MetadataKey, value: unknown, target: object, property?: string | symbol): void;
  getOwnMetadata(key: MetadataKey, target: object, property?: string | symbol): unknown;
  getMetadata(key: MetadataKey, target: object, property?: string | symbol): unknown;
}

/** Defines the three functions on `Reflect` unless a metadata polyfill is already there. */
export function installReflectMetadata(): void {
  const reflect = Reflect as unknown as Partial<ReflectMetadataApi>;
  if (typeof reflect.getMetadata === "function") return;
  const stores = new WeakMap<object, Map<string | symbol | undefined, Store>>();
  const storeOf = (target: object, property: string | symbol | undefined, create: boolean): Store | undefined => {
    let byProperty = stores.get(target);
    if (!byProperty) {
      if (!create) return undefined;
      byProperty = new Map();
      stores.set(target, byProperty);
    }
    let store = byProperty.get(property);
    if (!store && create) {
      store = new Map();
      byProperty.set(property, store);
    }
    return store;
  };
  const api: ReflectMetadataApi = {
    defineMetadata: (key, value, target, property) => void storeOf(target, property, true)!.set(key, value),
    getOwnMetadata: (key, target, property) => storeOf(target, property, false)?.get(key),
    getMetadata: (key, target, property) => {
      for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
        const store = storeOf(t, property, false);
        if (store?.has(key)) return store.get(key);
      }
      return undefined;
    },
  };
  for (const [name, fn] of Object.entries(api)) Object.defineProperty(Reflect, name, { value: fn, configurable: true, writable: true, enumerable: false });
}
