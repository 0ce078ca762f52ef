import type { Command } from "commander";
import type { initCommand } from "../commands/init.js";
import type { keygenCommand } from "../commands/keygen.js";
import { examples } from "../options.js";

/** `keygen` and `init`: a key, and a `.sops.yaml` that encrypts to it. */

export function registerKeygenCommand(program: Command): void {
  program
    .command("keygen")
    .description("generate an age identity, append it to the sops key file, print its recipient")
    .option("--pq", "a post-quantum hybrid key (ML-KEM-768 + X25519, age1pq1…)")
    .option("-o, --output <file>", "key file to append to (default: ~/.config/sops/age/keys.txt)")
    .addHelpText("after", examples("secrets keygen", "secrets keygen --pq -o ci-key.txt"))
    .action(async (o: Parameters<typeof keygenCommand>[0]) => (await import("../commands/keygen.js")).keygenCommand(o));
}

/** sops' `version` command (`--version` and `-V` print the same line). */
export function registerVersionCommand(program: Command, line: string): void {
  program
    .command("version")
    .description("print the version")
    .action(async () => (await import("../io.js")).writeStdout(`${line}\n`));
}

export function registerInitCommand(program: Command): void {
  program
    .command("init")
    .description("write a .sops.yaml whose rule encrypts files under secrets/ to your age key")
    .option("--force", "replace an existing .sops.yaml")
    .option("--recipient <age1…>", "the recipient to grant (default: your first identity's)")
    .option("--name <name>", "the name (YAML anchor) for that recipient", "me")
    .addHelpText("after", examples("secrets init", "secrets init --name alice"))
    .action(async (o: Parameters<typeof initCommand>[0]) => (await import("../commands/init.js")).initCommand(o));
}
