// Preloaded into the bundled action by guards.test.ts (node --import). When the action first reads a
// secret file, it injects the fault named by ACTION_TEST_FAULT, carrying a secret value in its
// message, after the action's guards are installed:
//   uncaught  - an exception thrown from a timer (Node would print it with its stack on stderr)
//   rejection - an unhandled promise rejection
//   warning   - a process warning (Node prints warnings on stderr)
//   console   - console.error (a library writing to stderr)
// Files are read with fs.readFile or, capped, fs.open + fs.read (src/io/read.ts); the patched
// functions reach the bundle's `import { open, readFile } from "node:fs"` through syncBuiltinESMExports.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const fault = process.env.ACTION_TEST_FAULT;
const secret = process.env.ACTION_TEST_SECRET;
let fired = false;
/** Wraps an fs callback function taking a path first: the first call for a secret file fires the fault. */
function hook(name) {
  const original = fs[name];
  fs[name] = function (path, ...rest) {
    if (!fired && String(path).includes("secrets")) {
      fired = true;
      if (fault === "uncaught") {
        setTimeout(() => {
          throw new Error(`boom ${secret}`);
        }, 0);
        return; // the callback is never called: the read hangs while the fault escapes
      }
      if (fault === "rejection") {
        Promise.reject(new Error(`boom ${secret}`));
        return;
      }
      if (fault === "warning") process.emitWarning(`careful ${secret}`);
      if (fault === "console") console.error(`oops ${secret}`);
    }
    return original.call(this, path, ...rest);
  };
}
hook("readFile");
hook("open");
syncBuiltinESMExports();
