import { VERSION } from "../version.js";

// `secrets --version` is answered before anything else is evaluated: the bundle keeps every other
// module behind this dynamic import, so a cold start costs little more than Node itself.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`secrets ${VERSION}\n`);
} else {
  void import("./program.js").then((m) => m.run(argv));
}
