import { VERSION } from "../version.js";
import { parseFastDecrypt } from "./fast-decrypt.js";

// `secrets --version` is answered before anything else is evaluated: the bundle keeps every other
// module behind these dynamic imports, so a cold start costs little more than Node itself. The
// common `secrets decrypt FILE` goes straight to its command, without commander (fast-decrypt.ts).
// The build makes this file CommonJS and swaps the decrypt route for its own code-cached bundle
// (scripts/build.mjs): an ESM entry alone costs a cold start ~5 ms of loader set-up.
const argv = process.argv.slice(2);
const fast = parseFastDecrypt(argv);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`secrets ${VERSION}\n`);
} else if (fast !== null) {
  void import("./decrypt-route.js").then((m) => m.runFastDecrypt(fast));
} else {
  void import("./program.js").then((m) => m.run(argv));
}
