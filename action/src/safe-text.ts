/**
 * Everything the Action prints goes through here. The runner acts on workflow commands in printed
 * text (`::stop-commands::`, `##[…]`), so a repository-controlled string printed before the masks are
 * registered could switch masking off, and any value printed at all is a leak. The only printable text
 * is therefore `SafeText`: fixed text written in this code, and names that passed one of the checks
 * below. The brand makes the compiler refuse anything else at the call sites that print.
 */

declare const safeBrand: unique symbol;
/** Text that holds no value and cannot form a runner command. Made only by `safe` and the `shown*` checks. */
export type SafeText = string & { readonly [safeBrand]: true };

const brand = (s: string): SafeText => s as SafeText;

/**
 * A template literal whose fixed parts are code and whose parts are checked text or numbers:
 * safe`decrypted ${n} secrets from ${shownPath(file)}`.
 */
export function safe(fixed: TemplateStringsArray, ...parts: Array<SafeText | number>): SafeText {
  let out = fixed[0] ?? "";
  parts.forEach((p, i) => {
    out += (typeof p === "number" ? String(p) : p) + (fixed[i + 1] ?? "");
  });
  return brand(out);
}

/** Joins checked texts. */
export function joinSafe(parts: readonly SafeText[], separator: SafeText): SafeText {
  return brand(parts.join(separator));
}

// Alphabets of what may be shown. None contains ':', '#', '[', '|', '`', '<', '%', a space or a
// line break, so a shown name can neither form a runner command nor break the Markdown it sits in.
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,199}$/;
const PATH = /^[A-Za-z0-9._+@/-]{1,400}$/;
const RECIPIENT = /^age1[0-9a-z]{20,3000}$/;
const LABEL = /^[A-Za-z0-9._-]{1,100}$/;
const HEX = /^[0-9a-f]{7,64}$/;

/** An environment/output name, or a fixed stand-in. */
export function shownName(name: string): SafeText {
  return brand(NAME.test(name) ? name : "(a name with unusual characters)");
}

/** A relative file path, or a fixed stand-in. */
export function shownPath(path: string): SafeText {
  return brand(PATH.test(path) ? path : "(a file whose path has unusual characters)");
}

/** An age recipient (public), or a fixed stand-in. */
export function shownRecipient(recipient: string): SafeText {
  return brand(RECIPIENT.test(recipient) ? recipient : "(an unusual recipient)");
}

/** A `.sops.yaml` anchor name, or null when it is not plain enough to show. */
export function shownLabel(label: string | undefined): SafeText | null {
  return label !== undefined && LABEL.test(label) ? brand(label) : null;
}

/** A commit SHA, or a fixed stand-in. */
export function shownCommit(sha: string | undefined): SafeText {
  return brand(sha && HEX.test(sha) ? sha : "(unknown commit)");
}

/**
 * Belt and braces for every printed line: checked text cannot hold these, but a line must never start
 * a `::command::` or contain a `##[command]`, whatever changes later.
 */
export function neutralize(line: string): SafeText {
  return brand(line.replace(/[\r\n]+/g, " ").replace(/^(\s*):/, "$1 :").replaceAll("##[", "## ["));
}

/** `1 file`, `2 files`. */
export function counted(n: number, one: SafeText, many: SafeText): SafeText {
  return safe`${n} ${n === 1 ? one : many}`;
}

/** A recipient as reports show it: its `.sops.yaml` anchor name when it has a plain one, else the key. */
export function shownWho(name: string | null | undefined, recipient: string): SafeText {
  return shownLabel(name ?? undefined) ?? shownRecipient(recipient);
}

/** A recipient shortened as the library's reports do (`age1abcdefghijkl…uvwxyz`), or a fixed stand-in. */
export function shownShortRecipient(recipient: string): SafeText {
  if (!RECIPIENT.test(recipient)) return brand("(an unusual recipient)");
  return brand(recipient.length > 24 ? `${recipient.slice(0, 16)}…${recipient.slice(-6)}` : recipient);
}
