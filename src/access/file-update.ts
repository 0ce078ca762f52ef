import { SecretsError } from "../errors.js";
import { resolveFormat } from "../files/format.js";
import { realLocation } from "../io/confine.js";
import type { KeySource } from "../sops/keysource.js";
import type { CreationPolicy } from "../workspace/creation.js";
import { planFile, type FilePlan } from "./update.js";

/**
 * `updatekeys FILE`: one named file planned for the recipients its `.sops.yaml` rule names now;
 * null when they already match. The rule comes from where the file really is: a link named in this
 * repository must not put another repository's file under this one's recipients.
 */
export async function planNamedFile(policy: CreationPolicy, keys: KeySource, file: string, opts: { inputType?: string | undefined; ignoreMac?: boolean | undefined }): Promise<FilePlan | null> {
  let real: string;
  try {
    real = realLocation(file);
  } catch (e) {
    throw new SecretsError("outside-root", `${JSON.stringify(file)} is a dangling or looping symbolic link`, { cause: e });
  }
  const creation = await policy.creationFor(real);
  const format = resolveFormat(opts.inputType, file);
  return planFile({ file, abs: file, format, target: creation.recipients, keys, ignoreMac: opts.ignoreMac, indent: await policy.indentFor(format) });
}
