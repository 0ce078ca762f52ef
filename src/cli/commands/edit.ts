import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { SecretsError, withFileAsync } from "../../errors.js";
import type { PrivateTempDir } from "../../io/atomic.js";
import { makeEditTempDir, removeStaleEditDirs } from "../../io/edit-temp.js";
import { withUnchangedFile } from "../../io/lock.js";
import { loadStore, resolveFormat } from "../../files/format.js";
import { openSecretFile, writeEncryptedFile } from "../../files/secret-file.js";
import { encryptNew, hasData, reencrypt } from "../../sops/document.js";
import type { Format } from "../../sops/stores/store.js";
import type { Branch } from "../../sops/tree.js";
import { safeText } from "../../util/safe-text.js";
import { shlexSplit } from "../../util/shlex.js";
import type { CreationFlags } from "../../workspace/creation.js";
import { info } from "../io.js";
import { exitForSignal } from "../report.js";
import { parseIndent } from "../option-schemas.js";
import { cliWorkspace } from "../workspace.js";

export interface EditOptions extends CreationFlags {
  config?: string;
  ignoreMac?: boolean;
  inputType?: string;
  indent?: string;
}

const templates: Record<Format, string> = {
  yaml: "hello: Welcome to gitops-secrets! Edit this file as you please.\nexample_key: example_value\nexample_array:\n    - example_value1\n    - example_value2\n",
  json: '{\n\t"hello": "Welcome to gitops-secrets! Edit this file as you please.",\n\t"example_key": "example_value"\n}\n',
  dotenv: "hello=Welcome to gitops-secrets! Edit this file as you please.\nexample_key=example_value\n",
  ini: "[section]\nhello = Welcome to gitops-secrets! Edit this file as you please.\nexample_key = example_value\n",
  binary: "Welcome to gitops-secrets! Edit this file as you please.\n",
};

function editorCommand(): string[] {
  const raw = process.env.SOPS_EDITOR || process.env.EDITOR;
  if (raw) {
    let argv: string[];
    try {
      argv = shlexSplit(raw);
    } catch (e) {
      throw new SecretsError("no-editor", "cannot parse $SOPS_EDITOR/$EDITOR (unterminated quote?)", { cause: e });
    }
    if (argv.length) return argv;
  }
  return ["vi"];
}

/** The editor while it runs, so a signal to us reaches it too (a `kill` targets only our pid). */
let editor: ChildProcess | undefined;

/** Runs the editor on `file`; resolves with its exit code. */
function runEditor(file: string): Promise<number> {
  const [cmd, ...args] = editorCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, [...args, file], { stdio: "inherit" });
    editor = child;
    child.on("error", (e) => reject(new SecretsError("no-editor", `cannot run the editor "${cmd}" (set SOPS_EDITOR or EDITOR)`, { cause: e })));
    child.on("exit", (code, signal) => {
      editor = undefined;
      resolve(signal ? 128 : (code ?? 1));
    });
  });
}

/**
 * Creates the missing folders of a new file (`secrets/` right after `secrets init`), but only below
 * the working directory and not through a symlink that leads out of it.
 */
async function makeParentDir(file: string): Promise<void> {
  const dir = resolve(dirname(file));
  if (existsSync(dir)) return;
  const base = realpathSync(process.cwd());
  let existing = dir;
  while (!existsSync(existing)) existing = dirname(existing);
  const rel = relative(base, realpathSync(existing));
  if (rel.startsWith("..") || isAbsolute(rel)) throw new SecretsError("write-output", `will not create ${relative(process.cwd(), dir) || dir}: it is outside the working directory`);
  await mkdir(dir, { recursive: true });
}

/**
 * On a terminal, shows the problem and waits to re-open the editor; elsewhere, or at end of input,
 * says no (the caller reports). Ctrl-C is an `interrupted` error: readline holds the terminal in raw
 * mode, so the key reaches it as a keystroke, not as SIGINT, and without a listener it would just
 * close the prompt (rejecting the question with an AbortError).
 */
async function askRetry(message: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  info(message);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const interrupted = new Promise<never>((_, reject) =>
    rl.on("SIGINT", () => reject(new SecretsError("interrupted", "interrupted; nothing was saved"))),
  );
  try {
    await Promise.race([rl.question("Press Enter to return to the editor, or Ctrl-C to exit without saving. "), interrupted]);
    return true;
  } catch (e) {
    if (e instanceof SecretsError) throw e;
    if ((e as Error).name === "AbortError") return false; // end of input (Ctrl-D): no retry
    throw e;
  } finally {
    rl.close();
  }
}

/**
 * Keeps the user's edited text after a failure: the private folder is renamed to
 * `secrets-edit-kept-…` (so the clean-up of stale edit folders leaves it alone) and the error says
 * where it is (the path only, never the content). If the rename fails the text stays where it was.
 */
async function keepText(tmp: PrivateTempDir, tmpFile: string, e: unknown): Promise<SecretsError> {
  const keptDir = join(dirname(tmp.path), basename(tmp.path).replace(/^secrets-edit-/, "secrets-edit-kept-"));
  let where = tmpFile;
  try {
    await rename(tmp.path, keptDir);
    where = join(keptDir, basename(tmpFile));
  } catch {
    // The text is still in the original folder: say that path.
  }
  const kept = `your text is kept in ${where} (readable only by you); remove it when done`;
  if (e instanceof SecretsError) return new SecretsError(e.kind, `${e.message}; ${kept}`, { file: e.file, cause: e });
  return new SecretsError("generic", `internal error (${e instanceof Error ? e.name : typeof e}); ${kept}`, { cause: e });
}

/**
 * `secrets edit FILE`: decrypts into a private directory (0700, file 0600), opens the editor, and
 * re-encrypts under the same data key so that only the edited values change. The plaintext copy is
 * removed on every exit path (success, no change, the editor failing, Ctrl-C and SIGTERM) except one:
 * when saving fails after the editor closed with new text, the text is kept (see keepText) so
 * that nothing the user typed is lost. Invalid input re-opens the editor (on a terminal). Nothing
 * is written when nothing changed (exit 200).
 */
export async function editCommand(file: string, opts: EditOptions): Promise<void> {
  // A SIGKILLed edit could not remove its plaintext; do it now, and say so.
  for (const dir of await removeStaleEditDirs()) info(`secrets: removed a stale edit folder of a killed edit: ${safeText(dir)}`);
  const format = resolveFormat(opts.inputType, file);
  const store = await loadStore(format);
  const ws = cliWorkspace({ ...opts, indent: parseIndent(opts.indent) });
  const indent = await ws.indentFor(format);
  const keys = await ws.keys();
  const exists = existsSync(file);
  // What the file held when the edit began: it is saved only if no other writer changed it meanwhile.
  const planned = exists ? await readFile(file).catch(() => null) : null;
  const opened = exists ? await openSecretFile(file, keys, { inputType: opts.inputType, ignoreMac: opts.ignoreMac }) : null;
  // A new file needs its rule before the user types anything.
  const creation = opened ? null : await ws.creationFor(file, opts);

  const tmp = await makeEditTempDir();
  const onSignal = (sig: NodeJS.Signals) => {
    editor?.kill(sig);
    tmp.cleanupSync();
    exitForSignal(sig);
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) process.on(s, onSignal);
  const ext = extname(file) || (format === "dotenv" ? ".env" : format === "binary" ? "" : `.${format}`);
  const tmpFile = join(tmp.path, basename(file, extname(file)) + ext);
  /** Set once the editor has closed with text to save: from then on a failure keeps the text. */
  // Widened: it is set inside the withFileAsync callback, which control-flow narrowing does not see.
  let hasNewText = false as boolean;
  let kept = false;
  try {
    await withFileAsync(file, async () => {
      const original = opened ? Buffer.from(store.emitPlain(opened.doc.branches, { indent })) : Buffer.from(templates[format]);
      await writeFile(tmpFile, original, { mode: 0o600 });
      let branches: Branch[];
      for (;;) {
        const code = await runEditor(tmpFile);
        if (code !== 0) throw new SecretsError("no-editor", `the editor exited with status ${code}; nothing was saved`);
        const edited = await readFile(tmpFile);
        if (opened && edited.equals(original)) throw new SecretsError("not-modified", "file has not changed, nothing written");
        hasNewText = true;
        try {
          if (edited.length === 0) throw new SecretsError("empty-document", "file cannot be completely empty");
          branches = store.parsePlain(edited);
          if (!hasData(branches)) throw new SecretsError("empty-document", "the file has no values");
          break;
        } catch (e) {
          if (!(e instanceof SecretsError)) throw e;
          if (!(await askRetry(`secrets: ${file}: ${e.message}`))) throw e;
        }
      }
      if (!opened) await makeParentDir(file);
      const out = opened ? reencrypt(opened.doc, branches) : await encryptNew(branches, creation!.recipients, keys, creation!);
      await withUnchangedFile(file, planned, "while you edited", () => writeEncryptedFile(file, store, out, { indent }));
    });
  } catch (e) {
    // Ctrl-C at the prompt is the user's "exit without saving": nothing to keep.
    if (!hasNewText || (e instanceof SecretsError && e.kind === "interrupted")) throw e;
    kept = true;
    throw await keepText(tmp, tmpFile, e);
  } finally {
    for (const s of signals) process.off(s, onSignal);
    if (!kept) tmp.cleanupSync();
  }
}
