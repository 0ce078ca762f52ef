import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config.js";

/**
 * `npm run test:interop`: the tests that run a system program (test/interop/programs.mjs lists them
 * with the package to install). The programs are checked first, so a missing one is one line; then
 * the usual build of dist/.
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ["test/**/*.interop.test.ts"],
    exclude: configDefaults.exclude,
    globalSetup: ["test/interop/programs.mjs", "test/global-setup.ts"],
  },
});
