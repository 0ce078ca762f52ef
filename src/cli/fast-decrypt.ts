import type { DecryptOptions } from "./commands/decrypt.js";

/**
 * `secrets decrypt` without commander: the common invocations (`decrypt FILE` with the command's own
 * options) are parsed here, so the hottest command does not pay for building the whole program
 * (commander and every command's registration, and a dozen Node built-ins, on a cold start).
 *
 * Returns null for anything it does not fully understand (help, an unknown or repeated option, a
 * missing or second file, `--`, a lone `-`): the caller then hands argv to commander, which gives
 * the same result or the usage error. It must never accept what commander would reject.
 */
export interface FastDecrypt {
  file: string;
  options: DecryptOptions;
}

const VALUE_OPTIONS: Record<string, keyof DecryptOptions> = {
  "--extract": "extract",
  "--output": "output",
  "--input-type": "inputType",
  "--output-type": "outputType",
};

export function parseFastDecrypt(argv: readonly string[]): FastDecrypt | null {
  if (argv[0] !== "decrypt") return null;
  let file: string | undefined;
  const options: DecryptOptions = {};
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--ignore-mac") {
      if (options.ignoreMac) return null;
      options.ignoreMac = true;
      continue;
    }
    if (arg.startsWith("-")) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg : arg.slice(0, eq);
      const key = VALUE_OPTIONS[name];
      if (key === undefined || options[key] !== undefined) return null;
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        value = argv[++i];
        // Commander would take a following option as this option's value; leave such lines to it.
        if (value === undefined || value.startsWith("-")) return null;
      }
      (options as Record<string, string>)[key] = value;
      continue;
    }
    if (file !== undefined) return null;
    file = arg;
  }
  return file === undefined ? null : { file, options };
}
