/**
 * Recipient names: a config names a recipient with a YAML anchor (`&alice age1…`), and reports and
 * reviews show that name instead of the key.
 */
import { isMap, visit, type Document, type Node as YamlNode } from "yaml";
import type { LoadedConfig } from "./load.js";
import { findPair } from "./positions.js";
import { checkRecipient } from "./recipient.js";

/** Anchored scalars that are recipients; anchors under the top-level `keys:` win over later ones. */
export function anchorNames(doc: Document.Parsed): { recipientNames: Map<string, string>; namedRecipients: Map<string, string> } {
  const recipientNames = new Map<string, string>();
  const namedRecipients = new Map<string, string>();
  const collect = (root: unknown) =>
    visit(root as YamlNode, {
      Scalar(_key, node) {
        if (!node.anchor || typeof node.value !== "string") return;
        const recipient = node.value.trim();
        if (!checkRecipient(recipient).ok) return;
        if (!recipientNames.has(recipient)) recipientNames.set(recipient, node.anchor);
        if (!namedRecipients.has(node.anchor)) namedRecipients.set(node.anchor, recipient);
      },
    });
  if (isMap(doc.contents)) {
    const keys = findPair(doc, doc.contents, "keys");
    if (keys && keys.value) collect(keys.value);
  }
  if (doc.contents) collect(doc.contents);
  return { recipientNames, namedRecipients };
}

/** The anchor name of a recipient when the config names it (`&alice age1…`), else the recipient itself. */
export function recipientLabel(config: LoadedConfig | null | undefined, recipient: string): string {
  return config?.recipientNames.get(recipient) ?? recipient;
}
