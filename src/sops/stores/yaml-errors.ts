import type { LineCounter, YAMLError } from "yaml";

/**
 * A syntax error of the `yaml` package, said the way our errors are said: the line and column of
 * the problem and what was expected there, in our words. The package's own messages are terse for
 * a person ("Missing closing \"quote") and some quote the source text (an escape sequence, a token,
 * a tag), which may be part of a secret, so they are never passed on: each known message maps to a
 * text of ours, and an unknown one falls back to its error code.
 *
 * Positions: the package reports some errors at the offset just past the last character (an
 * unclosed quote runs to the end of the input), which on a file ending with a newline is a line
 * that does not exist. Such an offset is moved back onto the last character, and an unclosed quote
 * is reported where it opens, which is where the fix goes.
 */
export interface YamlSyntaxProblem {
  line: number;
  column: number;
  message: string;
}

/** The package's fixed messages (matched on their start; nothing after is ever shown) and ours. */
const MESSAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^Missing closing "quote/, 'expected a closing " for the string that opens here'],
  [/^Missing closing 'quote/, "expected a closing ' for the string that opens here"],
  [/^All mapping items must start at the same column/, "expected this key at the same column as the keys before it (check the indentation)"],
  [/^All sequence items must start at the same column/, "expected this - item at the same column as the items before it (check the indentation)"],
  [/^Flow sequence in block collection must be sufficiently indented and end with a \]/, "expected a ] closing the [ list (its lines after the first indented more than its key)"],
  [/^Flow map in block collection must be sufficiently indented and end with a \}/, "expected a } closing the { map (its lines after the first indented more than its key)"],
  [/^Expected a ] /, "expected a ] closing the [ list"],
  [/^Expected a } /, "expected a } closing the { map"],
  [/^Tabs are not allowed as indentation/, "expected spaces for indentation, found a tab"],
  [/^Map keys must be unique/, "a key appears twice in the same map (keys must be unique)"],
  [/^Nested mappings are not allowed in compact mappings/, 'expected a plain value after "key:", found "key: value" in it (quote a value that contains ": "; a nested map starts on its own line)'],
  [/^Implicit keys need to be on a single line/, 'expected "key: value" (a line without a colon, or a key that runs over several lines)'],
  [/^Implicit map keys need to be followed by map values/, 'expected ":" and a value after this key'],
  [/^Sequence item without - indicator/, 'expected "- " before this list item'],
  [/^Missing , between /, "expected , between the items of this [ ] or { }"],
  [/^Missing , or : between /, "expected , or : between the items of this { }"],
  [/^Missing space after : in /, 'expected a space after ":"'],
  [/^Unexpected , in /, "unexpected , here (an empty item, or a comma outside [ ] or { })"],
  [/^Unexpected empty item in /, "expected an item between these commas"],
  [/^Unexpected scalar at node end/, "unexpected text after the value (quote the whole value)"],
  [/^Unexpected flow-map-end/, "unexpected } (no { opens it)"],
  [/^Unexpected flow-seq-end/, "unexpected ] (no [ opens it)"],
  [/^Unexpected block-seq-ind/, 'unexpected "- " here (a list item must start its own line, indented under its key)'],
  [/^Unexpected .* at node end/, "unexpected text after the value (quote the whole value)"],
  [/^Comments must be separated from other tokens by white space/, "expected a space before # (a comment)"],
  [/^Tags and anchors must be separated from the next token by white space/, "expected a space after the tag or anchor"],
  [/^Invalid escape sequence/, 'expected a valid escape after \\ in a "double-quoted" string (or use single quotes)'],
  [/^Plain value cannot start with/, "expected a quoted value: an unquoted value cannot start with this character"],
  [/^Block scalar lines must not be less indented/, "expected the lines of this | or > block indented as its first line"],
  [/^Block scalar header includes extra characters/, "expected only | or > (with - + or a digit) on the line that starts a block"],
  [/^Unresolved tag/, "unknown tag (a value starting with ! is a tag; quote it)"],
  [/^Aliased anchor not found/, "unknown alias (an unquoted value starting with * is an alias; quote it)"],
  [/^Source contains multiple documents/, "expected one document (only one --- per file)"],
];

function messageFor(err: YAMLError): string {
  for (const [pattern, ours] of MESSAGES) if (pattern.test(err.message)) return ours;
  return err.code.toLowerCase().replace(/_/g, " ");
}

/** The offset of the unclosed quoted string that runs to the end of `text`, if that is the error. */
function openingQuote(text: string, err: YAMLError): number | undefined {
  if (!/^Missing closing ["']quote/.test(err.message)) return undefined;
  const quote = err.message.includes('"quote') ? '"' : "'";
  // The string runs from its opening quote to the end: the last quote that starts a value (after
  // ": ", "- ", "[", "{", "," or at a line's start) and is not closed on its own line.
  for (let i = Math.min(err.pos[0], text.length) - 1; i >= 0; i--) {
    if (text[i] !== quote) continue;
    const before = text.slice(text.lastIndexOf("\n", i - 1) + 1, i);
    if (/(^\s*(-\s+)*|:\s+|[[{,]\s*)$/.test(before)) return i;
  }
  return undefined;
}

export function describeYamlSyntaxError(err: YAMLError, text: string, lc: LineCounter): YamlSyntaxProblem {
  let offset = openingQuote(text, err) ?? err.pos[0];
  // Past the end (or at the end of a file ending with a newline): onto the last character.
  if (offset >= text.length) offset = Math.max(0, text.length - 1);
  const { line, col } = lc.linePos(offset);
  return { line, column: col, message: messageFor(err) };
}
