import * as core from "@actions/core";
import { neutralize, type SafeText } from "./safe-text.js";

/** The Action's only ways to print: checked text, on stdout (stderr could overtake the masks). */
export function say(text: SafeText): void {
  for (const line of text.split("\n")) core.info(neutralize(line));
}

export function warn(text: SafeText): void {
  core.warning(neutralize(text));
}
