import { parseIdentityFile, type KnownIdentity } from "../../src/keys/identities.js";
import { unwrapDataKey } from "../../src/keys/wrap.js";
import type { KeySource } from "../../src/sops/keysource.js";
import type { AgeKey } from "../../src/sops/metadata.js";
import { ActionFailure } from "./failure.js";
import { safe } from "./safe-text.js";

/**
 * The `age-key` input: identity text as in `SOPS_AGE_KEY` (one or more per line, `#` comments, CRLF
 * tolerated), normally the content of a repository secret.
 */

/**
 * What to register with the runner from the key text: each identity line and each identity on it, never
 * the comment lines. `age-keygen` output carries `# public key: age1…`; masking that would hide the
 * recipients everywhere, the summary included, although they are public.
 */
export function ageKeyMasks(text: string): string[] {
  const out = new Set<string>();
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    out.add(line);
    for (const token of line.split(/\s+/)) if (token !== "") out.add(token);
  }
  return [...out];
}

/** Parses the identities. Throws ActionFailure naming the bad line's number only. */
export function parseAgeKey(text: string): KnownIdentity[] {
  let ids: KnownIdentity[];
  try {
    ids = parseIdentityFile(text, { multiplePerLine: true });
  } catch (e) {
    // The library's message is `line N: …` with fixed text; only N is kept.
    const line = /^line (\d+):/.exec((e as Error).message)?.[1];
    throw new ActionFailure(line ? safe`input age-key: line ${Number(line)} is not an age identity (AGE-SECRET-KEY-1…)` : safe`input age-key is not an age identity file`);
  }
  if (ids.length === 0) throw new ActionFailure(safe`input age-key holds no age identity (AGE-SECRET-KEY-1…)`);
  return ids;
}

/**
 * A key source over the given identities that reports which recipient's entry it opened, for the
 * audit ("opened with"). It only unwraps: the Action never encrypts.
 */
export function recordingKeySource(identities: readonly KnownIdentity[], opened: (recipient: string) => void): KeySource {
  return {
    wrap: () => Promise.reject(new Error("the Action does not encrypt")),
    async unwrap(entry: AgeKey) {
      const key = await unwrapDataKey(entry.enc, identities);
      if (key) opened(entry.recipient);
      return key;
    },
    describe: () => "the age-key input",
  };
}
