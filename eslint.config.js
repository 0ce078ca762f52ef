// Lint: typescript-eslint's strict type-checked rules (the set typage uses), over the library, the
// CLI and the Action's source. Formatting is not linted: the code has one style already and tsc
// checks types; these rules catch what tsc lets through (floating promises, unsafe any, needless
// conditions).
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "action/dist/", "node_modules/", "bench/", "scripts/", "test/", "**/*.mjs", "*.config.ts", "eslint.config.js"] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
      "no-self-compare": "error",
      // noUncheckedIndexedAccess is on, so every index read is `T | undefined`; a `!` marks one the
      // code has just bounded (a loop index, a regexp group that matched). Banning `!` would
      // trade it for unreachable branches.
      "@typescript-eslint/no-non-null-assertion": "off",
      // Numbers and booleans in messages are the common case and print as expected.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      // `() => void x` and `cond ? a() : b()` with void calls read better than a block each.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
    },
  },
);
