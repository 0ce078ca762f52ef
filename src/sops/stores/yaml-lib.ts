import * as yaml from "yaml";

/**
 * The `yaml` package, for the full YAML parser (stores/yaml.ts). A plain static import here: tests,
 * the library and the Action bundle get it directly. The CLI build (scripts/build.mjs) replaces this
 * module with one that loads a separately bundled copy on first call, so a decrypt whose file the fast
 * reader handles never parses the package at all.
 */
export function loadYamlLib(): typeof import("yaml") {
  return yaml;
}
