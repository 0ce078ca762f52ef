import * as core from "@actions/core";

/**
 * Registering values with the runner's masker (`::add-mask::`), following the runner's rules:
 * - a single-line value is registered whole;
 * - a multi-line value line by line (trimmed; lines under 4 characters skipped) and never whole,
 *   because the runner would split it itself and also register `{`, `}` or `Q==`, masking those
 *   characters in every later line of the job;
 * - the encodings a value could be handed on in are registered whole as well: its JSON string
 *   escape, base64, and encodeURIComponent (the runner's own encoders miss the last two's variants),
 *   so they are masked even on runners that lack the runner-side encoders.
 * Every string is registered once per run.
 */

const MIN_LINE = 4;

/** The strings to register for one value. Blank strings are left out (the runner refuses them). */
export function maskForms(value: string): string[] {
  const out = new Set<string>();
  const lines = value.split(/\r\n|\r|\n/);
  if (lines.length === 1) out.add(value);
  else for (const l of lines) if (l.trim().length >= MIN_LINE) out.add(l.trim());
  if (value !== "") {
    out.add(JSON.stringify(value).slice(1, -1));
    out.add(Buffer.from(value, "utf8").toString("base64"));
    out.add(encodeURIComponent(value));
  }
  return [...out].filter((s) => s.trim() !== "");
}

export class MaskRegistry {
  private readonly done = new Set<string>();

  /**
   * Registers each string not registered yet, through the toolkit (one `::add-mask::` line each).
   * stdout is corked meanwhile: the lines leave in one writev instead of one write(2) per line (10,000
   * lines for 5,000 values took 150 ms as single writes), still in order and before anything printed later.
   */
  addStrings(strings: Iterable<string>): void {
    process.stdout.cork();
    try {
      for (const s of strings) {
        if (this.done.has(s) || s.trim() === "") continue;
        this.done.add(s);
        core.setSecret(s);
      }
    } finally {
      process.stdout.uncork();
    }
  }

  /** Registers values and their encodings. */
  addValues(values: Iterable<string>): void {
    const forms: string[] = [];
    for (const v of values) forms.push(...maskForms(v));
    this.addStrings(forms);
  }
}
