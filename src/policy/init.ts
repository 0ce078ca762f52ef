/** `secrets init`'s config text; see `renderInitialConfig` in config.ts. */
export { DEFAULT_INIT_PATH_REGEX, renderInitialConfig, type InitialConfigOptions } from "./config.js";
