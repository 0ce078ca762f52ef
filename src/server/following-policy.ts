/**
 * The creation policy of a long-running server: the `.sops.yaml` as it is now. A Workspace loads
 * its `.sops.yaml` once (right for a CLI run), but a server outlives commits: a pull, a merge or
 * the server's own fast-forward may change who new files are encrypted to. So the server's
 * policy checks the file (one `stat`) whenever a new file is to be created or an indent is
 * needed, and starts from a fresh Workspace when the file changed (a new inode, size, modification
 * or change time, as src/io/cached-file.ts tells a change). The key source is the server's own,
 * looked up once: its identity does not come from the repository.
 */
import { promises as fsp } from "node:fs";
import type { KeySource } from "../sops/keysource.js";
import type { Format } from "../sops/stores/store.js";
import type { Creation, CreationPolicy } from "../workspace/creation.js";
import type { Workspace } from "../workspace/workspace.js";

export class FollowingCreationPolicy implements CreationPolicy {
  readonly #make: () => Workspace;
  #current: Workspace;
  /** The `.sops.yaml` the current Workspace loaded, and its stat key then ("" when it had none). */
  #seen: Promise<{ path: string | null; key: string }>;

  /** `make` builds a Workspace over the server's checkout, with the server's key source. */
  constructor(make: () => Workspace) {
    this.#make = make;
    this.#current = make();
    this.#seen = this.#observe(this.#current);
  }

  async #observe(ws: Workspace): Promise<{ path: string | null; key: string }> {
    const path = await ws.configPath();
    return { path, key: path === null ? "" : await statKey(path) };
  }

  /** The Workspace for the `.sops.yaml` as it is now. */
  async #workspace(): Promise<Workspace> {
    const seen = await this.#seen;
    // No file when last looked: look again (one may have been committed since).
    const stillSame = seen.path !== null ? (await statKey(seen.path)) === seen.key : (await this.#make().configPath()) === null;
    if (!stillSame) {
      this.#current = this.#make();
      this.#seen = this.#observe(this.#current);
      await this.#seen;
    }
    return this.#current;
  }

  async creationFor(filePath: string): Promise<Creation> {
    return (await this.#workspace()).creationFor(filePath);
  }

  async indentFor(format: Format): Promise<number | undefined> {
    return (await this.#workspace()).indentFor(format);
  }

  keys(): Promise<KeySource> {
    return this.#current.keys();
  }
}

async function statKey(path: string): Promise<string> {
  try {
    const st = await fsp.stat(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  } catch {
    return "absent";
  }
}
