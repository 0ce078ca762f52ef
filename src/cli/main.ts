import { ExitCode } from "../errors.js";
import { VERSION } from "../version.js";
import { parseFastDecrypt } from "./fast-decrypt.js";
import { legacyForm } from "./legacy-form.js";

// `secrets --version` is answered before anything else is evaluated: the bundle keeps every other
// module behind these dynamic imports, so a cold start costs little more than Node itself. The
// common `secrets decrypt FILE` goes straight to its command, without commander (fast-decrypt.ts).
// The build makes this file CommonJS and each of the two routes a CommonJS bundle run with its V8
// code cache (scripts/build.mjs): ESM would cost a cold start ~5 ms of loader set-up, and more per chunk.
// sops' forms without a subcommand (`secrets -d FILE`, `secrets FILE`) become the subcommand form first.
const legacy = legacyForm(process.argv.slice(2));
const argv = "argv" in legacy ? legacy.argv : [];
const fast = parseFastDecrypt(argv);

/** A broken install (a bundle file missing or unreadable): one line instead of Node's stack trace. */
function cannotLoad(e: unknown): void {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  process.stderr.write(`secrets: cannot load its own code (${typeof code === "string" ? code : "error"}): reinstall gitops-secrets\n`);
  process.exitCode = ExitCode.Generic;
}

if ("conflict" in legacy) {
  process.stderr.write(`secrets: ${legacy.conflict}\n`);
  process.exitCode = ExitCode.ConflictingParameters;
} else if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`secrets ${VERSION}\n`);
} else if (fast !== null) {
  void import("./decrypt-route.js").then((m) => m.runFastDecrypt(fast), cannotLoad);
} else {
  void import("./program.js").then((m) => m.run(argv), cannotLoad);
}
