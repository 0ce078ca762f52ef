/**
 * Word splitting as `github.com/google/shlex` does it (sops splits $SOPS_EDITOR/$EDITOR and
 * SOPS_AGE_KEY_CMD with it, then runs the command without a shell):
 *
 * - space, tab, CR and LF separate words;
 * - `'…'` is literal; `"…"` is literal except that a backslash takes the next character as is;
 * - outside quotes a backslash takes the next character as is;
 * - `#` at the start of a word starts a comment that runs to the end of the line;
 * - `''` and `""` make an empty word; nothing is expanded.
 *
 * Throws Error on an unterminated quote or a trailing backslash.
 */
export function shlexSplit(s: string): string[] {
  const words: string[] = [];
  let i = 0;
  const n = s.length;
  const isSpace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n";
  while (i < n) {
    const c = s[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === "#") {
      while (i < n && s[i] !== "\n") i++;
      continue;
    }
    let word = "";
    while (i < n && !isSpace(s[i]!)) {
      const d = s[i]!;
      if (d === "'") {
        const end = s.indexOf("'", i + 1);
        if (end < 0) throw new Error("EOF found when expecting closing quote");
        word += s.slice(i + 1, end);
        i = end + 1;
      } else if (d === '"') {
        i++;
        for (;;) {
          if (i >= n) throw new Error("EOF found when expecting closing quote");
          const e = s[i]!;
          if (e === '"') {
            i++;
            break;
          }
          if (e === "\\") {
            if (i + 1 >= n) throw new Error("EOF found after escape character");
            word += s[i + 1]!;
            i += 2;
          } else {
            word += e;
            i++;
          }
        }
      } else if (d === "\\") {
        if (i + 1 >= n) throw new Error("EOF found after escape character");
        word += s[i + 1]!;
        i += 2;
      } else {
        word += d;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}
