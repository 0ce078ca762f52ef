import type { LoadedConfig } from "../policy/load.js";
import { shortRecipient } from "../policy/recipient.js";
import type { Recipients } from "../sops/document.js";
import type { Metadata } from "../sops/metadata.js";

/** Comparing who a file is encrypted to with who its rule names, and naming recipients in reports. */

export interface RecipientDelta {
  /** True when groups (as sets, in order) and the Shamir threshold are the same. */
  same: boolean;
  /** Recipients the target has and the current set lacks (any group). */
  added: string[];
  /** Recipients the current set has and the target lacks (any group). */
  removed: string[];
}

function normalizedThreshold(r: Recipients): number {
  const groups = r.groups.filter((g) => g.length > 0).length;
  return groups > 1 ? r.shamirThreshold || groups : 0;
}

export function compareRecipients(current: Recipients, target: Recipients): RecipientDelta {
  const a = new Set(current.groups.flat());
  const b = new Set(target.groups.flat());
  const added = [...b].filter((x) => !a.has(x));
  const removed = [...a].filter((x) => !b.has(x));
  const key = (r: Recipients) => JSON.stringify(r.groups.filter((g) => g.length > 0).map((g) => [...new Set(g)].sort()));
  const same = key(current) === key(target) && normalizedThreshold(current) === normalizedThreshold(target);
  return { same, added, removed };
}

/**
 * Whether `recipient`'s identity alone opens a file encrypted to `r`: it is in one of the key
 * groups and one group suffices (one group, or a Shamir threshold of 1). With a higher threshold
 * it holds only a share of the data key (sops' key groups), so it cannot read the file alone.
 */
export function opensAlone(r: Recipients, recipient: string): boolean {
  const groups = r.groups.filter((g) => g.length > 0);
  if (!groups.some((g) => g.includes(recipient))) return false;
  return groups.length <= 1 || (r.shamirThreshold ?? 0) === 1;
}

/** The recipient a name stands for in these configs' anchors (`&alice age1…`), or undefined. */
export function recipientNamed(name: string, ...configs: Array<LoadedConfig | null | undefined>): string | undefined {
  for (const c of configs) for (const [recipient, n] of c?.recipientNames ?? []) if (n === name) return recipient;
  return undefined;
}

export function recipientsOf(m: Metadata): Recipients {
  return { groups: m.keyGroups.map((g) => g.age.map((a) => a.recipient)), shamirThreshold: m.shamirThreshold };
}

/** A recipient as shown in reports: its anchor name, or a shortened key when the policy does not name it. */
export interface NamedRecipient {
  name: string | null;
  recipient: string;
}

/** Names recipients through one or more configs (the first that names a recipient wins). */
export class Namer {
  private readonly configs: Array<LoadedConfig | null | undefined>;
  constructor(...configs: Array<LoadedConfig | null | undefined>) {
    this.configs = configs;
  }

  name(recipient: string): string | null {
    for (const c of this.configs) {
      const n = c?.recipientNames.get(recipient);
      if (n !== undefined) return n;
    }
    return null;
  }

  named(recipient: string): NamedRecipient {
    return { name: this.name(recipient), recipient };
  }

  /** The name, or the shortened recipient for unnamed ones. */
  label(recipient: string): string {
    return this.name(recipient) ?? shortRecipient(recipient);
  }

  labels(recipients: Iterable<string>): string[] {
    return [...new Set(recipients)].map((r) => this.label(r));
  }
}
