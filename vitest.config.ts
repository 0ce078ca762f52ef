import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests that need a system program (the Go age binary, ...) run in `npm run test:interop`
    // (vitest.interop.config.ts): `npm test` needs only Node.js, npm and git.
    exclude: [...configDefaults.exclude, "test/**/*.interop.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores on CI: keep the worker count there so CLI end-to-end tests do not starve each other.
    maxWorkers: 2,
  },
});
