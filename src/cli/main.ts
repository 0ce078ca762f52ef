import { VERSION } from "../version.js";
import { parseFastDecrypt } from "./fast-decrypt.js";

// `secrets --version` is answered before anything else is evaluated: the bundle keeps every other
// module behind these dynamic imports, so a cold start costs little more than Node itself. The
// common `secrets decrypt FILE` goes straight to its command, without commander (fast-decrypt.ts).
const argv = process.argv.slice(2);
const fast = parseFastDecrypt(argv);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`secrets ${VERSION}\n`);
} else if (fast !== null) {
  void Promise.all([import("./report.js"), import("./commands/decrypt.js")]).then(([r, d]) => r.runAction(() => d.decryptCommand(fast.file, fast.options)));
} else {
  void import("./program.js").then((m) => m.run(argv));
}
