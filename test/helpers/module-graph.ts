import fs from "node:fs";
import path from "node:path";

/**
 * The import graph of a TypeScript tree, read as text: every `from "…"`, bare `import "…"` and
 * `import("…")` of each module (type-only imports included: a type from the CLI is still a
 * dependency on it). Relative specifiers are resolved to the `.ts` file they name; others (node
 * built-ins, packages) are kept as written, without a `node:` prefix.
 */
export interface ModuleGraph {
  root: string;
  /**
   * Repository-relative path (forward slashes) → what it imports; `runtime` leaves out type-only
   * imports (`import type`, `export type`), which vanish when compiled.
   */
  modules: Map<string, { imports: string[]; runtime: string[] }>;
}

export interface LayerViolation {
  from: string;
  rule: string;
}

const SPECIFIER = /\bfrom\s*"([^"]+)"|\bimport\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g;
/** A statement that imports or re-exports types only; its `from` clause is the match's end. */
const TYPE_ONLY = /\b(?:import|export)\s+type\s+[^;"]*?\bfrom\s*"[^"]+"/g;

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

function listTs(dir: string, out: string[]): void {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) listTs(p, out);
    else if (e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
  }
}

export function readModuleGraph(root: string, folders: string[]): ModuleGraph {
  const files: string[] = [];
  for (const f of folders) listTs(path.join(root, f), files);
  const modules = new Map<string, { imports: string[]; runtime: string[] }>();
  for (const file of files) {
    const rel = path.relative(root, file).split(path.sep).join("/");
    const text = withoutComments(fs.readFileSync(file, "utf8"));
    const typeOnlyEnds = new Set(Array.from(text.matchAll(TYPE_ONLY), (m) => m.index + m[0].length));
    const imports: string[] = [];
    const runtime: string[] = [];
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      const target = spec.startsWith(".")
        ? path.posix.normalize(path.posix.join(path.posix.dirname(rel), spec)).replace(/\.js$/, ".ts")
        : spec.replace(/^node:/, "");
      imports.push(target);
      if (!typeOnlyEnds.has(m.index + m[0].length)) runtime.push(target);
    }
    modules.set(rel, { imports, runtime });
  }
  return { root, modules };
}

/** What the format layer may never reach: the file system, processes, the network, git, the CLI. */
const FORMAT_LAYER_FORBIDDEN = [
  /^(fs|fs\/promises|child_process|net|http|https|http2|os|worker_threads|dgram|tls|process)$/,
  /^simple-git$/,
  /^src\/(cli|git|io|files|secrets|access|sdk|dotenv-import|workspace)\//,
];

function isFormatLayer(m: string): boolean {
  return m.startsWith("src/sops/");
}

/** A path of imports from `start` to a forbidden module, or null. */
function forbiddenPath(graph: ModuleGraph, start: string): string[] | null {
  const seen = new Set<string>();
  const walk = (m: string, trail: string[]): string[] | null => {
    for (const dep of graph.modules.get(m)?.imports ?? []) {
      if (FORMAT_LAYER_FORBIDDEN.some((re) => re.test(dep))) return [...trail, dep];
      if (!graph.modules.has(dep) || seen.has(dep)) continue;
      seen.add(dep);
      const found = walk(dep, [...trail, dep]);
      if (found) return found;
    }
    return null;
  };
  return walk(start, [start]);
}

/**
 * Import cycles through runtime imports (static and dynamic), each as the modules in order. A cycle
 * makes evaluation order matter (a module may see another's bindings before they are set) and means
 * two modules are one concept split in two.
 */
export function runtimeCycles(graph: ModuleGraph): string[][] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (m: string): void => {
    state.set(m, "open");
    stack.push(m);
    for (const dep of graph.modules.get(m)?.runtime ?? []) {
      if (!graph.modules.has(dep)) continue;
      if (state.get(dep) === "open") cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(m, "done");
  };
  for (const m of [...graph.modules.keys()].sort()) if (!state.has(m)) visit(m);
  return cycles;
}

export function layerViolations(graph: ModuleGraph): LayerViolation[] {
  const out: LayerViolation[] = [];
  for (const [from, { imports }] of graph.modules) {
    if (!from.startsWith("src/cli/")) {
      const cli = imports.find((d) => d.startsWith("src/cli/"));
      if (cli) out.push({ from, rule: `imports the CLI (${cli}); only src/cli may` });
    }
    if (isFormatLayer(from)) {
      const trail = forbiddenPath(graph, from);
      if (trail) out.push({ from, rule: `the format layer reaches ${trail.join(" -> ")}` });
    }
  }
  return out;
}
