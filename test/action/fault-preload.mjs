// Preloaded into the bundled action by guards.test.ts (node --import). When the action first reads a
// secret file, it injects the fault named by ACTION_TEST_FAULT, carrying a secret value in its
// message, after the action's guards are installed:
//   uncaught  - an exception thrown from a timer (Node would print it with its stack on stderr)
//   rejection - an unhandled promise rejection
//   warning   - a process warning (Node prints warnings on stderr)
//   console   - console.error (a library writing to stderr)
import fs from "node:fs";

const fault = process.env.ACTION_TEST_FAULT;
const secret = process.env.ACTION_TEST_SECRET;
const readFile = fs.promises.readFile;
let fired = false;
fs.promises.readFile = async function (path, ...rest) {
  if (!fired && String(path).includes("secrets")) {
    fired = true;
    if (fault === "uncaught") {
      setTimeout(() => {
        throw new Error(`boom ${secret}`);
      }, 0);
      return new Promise(() => {});
    }
    if (fault === "rejection") {
      Promise.reject(new Error(`boom ${secret}`));
      return new Promise(() => {});
    }
    if (fault === "warning") process.emitWarning(`careful ${secret}`);
    if (fault === "console") console.error(`oops ${secret}`);
  }
  return readFile.call(this, path, ...rest);
};
