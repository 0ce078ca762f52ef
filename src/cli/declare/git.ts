import type { Command } from "commander";
import { examples } from "../options.js";

/** Git's side: `git setup` and `git textconv`, the `merge-driver`, and the commit guard `check`. */

export function registerGitCommands(program: Command): void {
  const gitCmd = program.command("git").description("git integration: readable diffs, the merge driver, the commit guard");
  gitCmd
    .command("setup")
    .description("make git diff show secrets files decrypted and git merge/rebase/cherry-pick use the secrets merge driver")
    .option("--hooks", "also install a pre-commit hook running `secrets check --staged`")
    .option("--show-values", "git diff shows decrypted values (default: a keyed fingerprint per value)")
    .option("--command <cmd>", "how git should run this CLI (default: this node and this script, by absolute path)")
    .option("--force", "replace an existing pre-commit hook that is not ours")
    .option("--config <file>", "the .sops.yaml whose rules name the secrets files")
    .addHelpText("after", examples("secrets git setup --hooks", "secrets git setup --command secrets"))
    .action(async (raw: unknown) => (await import("../commands/git-setup.js")).gitSetupCommand(raw));
  gitCmd
    .command("textconv")
    .description("(run by git) print a secrets file decrypted for git diff, values as fingerprints")
    .argument("<file>")
    .option("--values", "show decrypted values instead of fingerprints")
    .action(async (file: string, raw: unknown) => (await import("../commands/git-setup.js")).textconvCommand(file, raw));
}

export function registerMergeDriverCommand(program: Command): void {
  program
    .command("merge-driver")
    .description("(run by git) three-way merge of an encrypted file: %O %A %B %P")
    .argument("<base>", "the common ancestor's version (%O)")
    .argument("<ours>", "our version, replaced by the result (%A)")
    .argument("<theirs>", "their version (%B)")
    .argument("[path]", "the file's path in the repository (%P), for its format and rule")
    .action(async (base: string, ours: string, theirs: string, path: string | undefined) => (await import("../commands/merge-driver.js")).mergeDriverCommand(base, ours, theirs, path));
}

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description("refuse a commit that would add a plaintext secret, a broken secrets file or an obvious token")
    .option("--staged", "check what is staged for the next commit (the index)")
    .option("--config <file>", "the .sops.yaml to use")
    .addHelpText("after", examples("secrets check --staged"))
    .action(async (raw: unknown) => (await import("../commands/check.js")).checkCommand(raw));
}
