import { existsSync } from "node:fs";

/**
 * sops' oldest command line, without subcommands: `sops FILE` edits, `sops -d FILE` decrypts,
 * `sops -e FILE` encrypts, `sops -r FILE` rotates, each with the flags of the subcommand (`-i`,
 * `--output`, `--extract`, …). `legacyForm` rewrites such an argv into the subcommand form, so
 * scripts written for sops run unchanged; anything else is returned as it is.
 *
 * Rules (sops' own, except the last two): the first of `-d`/`--decrypt`, `-e`/`--encrypt`,
 * `-r`/`--rotate` anywhere before `--` picks the subcommand; with none, a first argument that is
 * not a command name or an option, and names an existing file or has a dot or slash in it (a new
 * file), means `edit`. Two different mode flags are refused by the caller (sops silently takes the
 * last; that is deprecated there). `--set` is not taken: `secrets set FILE PATH VALUE` is the form.
 */

/** Every command name the program declares (a test checks this against src/cli/program.ts). */
export const COMMAND_NAMES: readonly string[] = [
  "keygen", "init", "encrypt", "decrypt", "edit", "set", "unset", "get", "list", "rotate", "updatekeys", "filestatus",
  "import", "run", "export", "exec-env", "exec-file", "log", "show", "diff", "git", "merge-driver", "check", "audit",
  "access", "verify", "policy", "token", "serve", "creds", "lease", "jwt", "rotation", "version", "help",
];

const MODES: Record<string, string> = { "-d": "decrypt", "--decrypt": "decrypt", "-e": "encrypt", "--encrypt": "encrypt", "-r": "rotate", "--rotate": "rotate" };

export type LegacyResult = { argv: string[] } | { conflict: string };

export function legacyForm(argv: readonly string[], exists: (p: string) => boolean = existsSync): LegacyResult {
  const first = argv[0];
  if (first === undefined || COMMAND_NAMES.includes(first)) return { argv: [...argv] };
  const end = argv.indexOf("--");
  const head = end < 0 ? argv : argv.slice(0, end);
  const modes = new Set(head.filter((a) => MODES[a] !== undefined).map((a) => MODES[a]!));
  if (modes.size > 1) return { conflict: `only one of -d, -e and -r can be given (got ${[...modes].join(", ")})` };
  const [mode] = modes;
  // Every mode flag before `--` is dropped (a repeat of the same one is accepted, as in sops).
  if (mode !== undefined) return { argv: [mode, ...argv.filter((a, i) => (end >= 0 && i >= end) || MODES[a] === undefined)] };
  if (!first.startsWith("-") && (exists(first) || /[./]/.test(first))) return { argv: ["edit", ...argv] };
  return { argv: [...argv] };
}
