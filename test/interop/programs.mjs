// The system programs `npm run test:interop` needs, each with the Debian/Ubuntu package that has it.
// A missing one fails the run with one line naming its package: never a silent skip. `.ci/run`
// installs these packages; a new reader goes here and into its install step there.
//
// Plain JavaScript, so that `npm run test:interop` can run it with node before vitest starts (a
// global setup that throws makes vitest print a screen of its own around the line), and vitest runs
// it again as the suite's global setup for a direct `vitest run --config vitest.interop.config.ts`.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";

export const PROGRAMS = [
  { command: "age", aptPackage: "age", what: "the Go age binary" },
  { command: "age-keygen", aptPackage: "age", what: "the Go age-keygen binary" },
  { command: "python3", aptPackage: "python3", what: "Python 3 (its pty module drives the edit prompt; clients/python's tests run on it)" },
  { command: "script", aptPackage: "bsdutils", what: "util-linux's script (a terminal for the edit loop)" },
  { command: "openssl", aptPackage: "openssl", what: "OpenSSL (loopback TLS certificates: the JWKS tests, the SDK's https client; openssl verify of the pki engine's certificates and CRL)" },
  { command: "curl", aptPackage: "curl", what: "curl (a Vault client as scripts use it: secrets serve)" },
];

// Python modules the interop tests import, each checked with the interpreter named (Debian's
// python3-* packages install for /usr/bin/python3, not for a pyenv python3 earlier on PATH).
export const MODULES = [
  { python: "/usr/bin/python3", module: "hvac", aptPackage: "python3-hvac", what: "Python's hvac Vault client (secrets serve)" },
];

function onPath(command, path) {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || ".", command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** One line per missing program, e.g. "test:interop needs the Go age binary (age): apt-get install age". */
export function missingPrograms(path = process.env.PATH ?? "") {
  return PROGRAMS.filter((p) => !onPath(p.command, path)).map((p) => `test:interop needs ${p.what} (${p.command}): apt-get install ${p.aptPackage}`);
}

/** One line per module its interpreter cannot import. */
export function missingModules() {
  return MODULES.filter((m) => spawnSync(m.python, ["-c", `import ${m.module}`], { stdio: "ignore" }).status !== 0).map(
    (m) => `test:interop needs ${m.what} (${m.module} for ${m.python}): apt-get install ${m.aptPackage}`,
  );
}

export default function setup() {
  const missing = [...missingPrograms(), ...missingModules()];
  if (missing.length > 0) throw new Error(missing.join("; "));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const missing = [...missingPrograms(), ...missingModules()];
  if (missing.length > 0) {
    process.stderr.write(`${missing.join("; ")}\n`);
    process.exit(1);
  }
}
