// Injected by the esbuild bundle (scripts/build.mjs); "dev" when running from source.
declare const __SECRETS_VERSION__: string | undefined;

export const VERSION: string = typeof __SECRETS_VERSION__ === "string" ? __SECRETS_VERSION__ : "0.0.0-dev";
