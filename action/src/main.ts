import * as core from "@actions/core";
import { ageKeyMasks } from "./age-key.js";
import { decryptMode } from "./decrypt-mode.js";
import { failureLine } from "./failure.js";
import { readInputs } from "./inputs.js";
import { MaskRegistry } from "./masks.js";
import { reviewMode } from "./review-mode.js";
import { verifyMode } from "./verify-mode.js";

/**
 * The main step. Exported as `run()` for `@github/local-action`; `index.ts` calls it on the runner.
 * Every error ends here and becomes one fixed, value-free line (`::error::` on stdout).
 */
export async function run(): Promise<void> {
  try {
    const masks = new MaskRegistry();
    // The key and the token are secrets whatever the mode: registered before any input is even validated.
    masks.addStrings(ageKeyMasks(core.getInput("age-key", { trimWhitespace: false })));
    masks.addStrings([core.getInput("github-token")]);
    const inputs = readInputs();
    switch (inputs.mode) {
      case "decrypt":
        await decryptMode(inputs, masks);
        return;
      case "verify":
        await verifyMode(inputs);
        return;
      case "policy-review":
        await reviewMode(inputs);
        return;
    }
  } catch (e) {
    core.setFailed(failureLine(e));
  }
}
