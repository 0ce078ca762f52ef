/**
 * The generator of a rule, by its `generator.type`: the one place the four kinds are told apart.
 */
import type { Workspace } from "../../workspace/workspace.js";
import type { RotationGenerator } from "../generator.js";
import type { RotationPolicyRule } from "../policy.js";
import { commandGenerator } from "./command.js";
import { jwtKeyGenerator } from "./jwt-key.js";
import { postgresGenerator } from "./postgres.js";
import { randomGenerator } from "./random.js";

export interface GeneratorDeps {
  /** The work tree's top level (engines' configuration lives under it). */
  top: string;
  workspace: Workspace;
  /** The environment `command` programs run with. */
  env: NodeJS.ProcessEnv;
}

export function generatorFor(rule: RotationPolicyRule, deps: GeneratorDeps): RotationGenerator {
  const g = rule.generator;
  switch (g.type) {
    case "random":
      return randomGenerator(g);
    case "command":
      return commandGenerator(g, deps.env);
    case "jwt-key":
      return jwtKeyGenerator(g);
    case "postgres":
      return postgresGenerator(g, { top: deps.top, workspace: deps.workspace, strategy: rule.strategy });
  }
}
