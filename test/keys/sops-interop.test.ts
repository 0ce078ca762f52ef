import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { loadIdentities } from "../../src/keys/identities.js";
import { unwrapDataKey } from "../../src/keys/wrap.js";
import { INTEROP as ROOT } from "../helpers/fixtures.js";

/**
 * The real `sops.age[].enc` entries of files written by sops 3.5–3.13 (test/fixtures/sops-age),
 * opened with their published test keys loaded through SOPS_AGE_KEY_FILE. Data keys from
 * MANIFEST.md. Entries for other people's recipients must give null, not an error.
 */

const CASES: [file: string, keyFile: string, dataKey: string][] = [
  ["humphd-sops-age/secret.enc.yaml", "humphd-sops-age/key.txt", "81d247290bee0b25484e76101e727f63fc984896953fe4888864f49db529e73a"],
  ["humphd-sops-age/secret.enc.json", "humphd-sops-age/key.txt", "3179b6f3028d542104273fb29380218e5264913b9daf4551a6a2262cee3de70a"],
  ["humphd-sops-age/secret.enc.env", "humphd-sops-age/key.txt", "34d808b56651590dd622a2982a2b71faced94571cbdfd4933d939db8e5350fc3"],
  ["humphd-sops-age/secret.enc.ini", "humphd-sops-age/key.txt", "4171c8e3523242cf51559462efea9574dc7fa70dc20aadb98b9de3f69d39e46e"],
  ["humphd-sops-age/history/secret.v1.enc.yaml", "humphd-sops-age/key.txt", "5bf39bc5d9c7f6a10828f62f59b6e7bce6cb9a0cdbf47d7e3b530dc84104cf0c"],
  ["humphd-sops-age/history/secret.v1.enc.json", "humphd-sops-age/key.txt", "7982c488b1509e98d892c59388aa70bf6b0a870f9625be45a3f698d98a97b307"],
  ["humphd-sops-age/history/secret.v1.enc.env", "humphd-sops-age/key.txt", "a111cdafdc1b4338bee444ae1c00c5865eea1ca3a3d0ea856962671ddf434ce1"],
  ["humphd-sops-age/history/secret.v1.enc.ini", "humphd-sops-age/key.txt", "09d79bcb6f5d22c7b543b68e56ab319cd475384c74fc625452da5cd5fed2a73e"],
  ["sops-nix/secrets.yaml", "sops-nix/age-keys.txt", "b9152942b7105527fd1fb9e2d9a1ee9bd03a7bb8edea26d311fda1a2e85056b2"],
  ["helm-secrets/secrets.age.yaml", "helm-secrets/key.txt", "6798cb778841891c459dde148789260418757698787d1fc2fc85bd23e1d98d6e"],
  ["fluxcd-kustomize-controller/algorithms-age.yaml", "fluxcd-kustomize-controller/keys/age.txt", "558e95c88337865c839703a4e892c03eed324ae6bbcb65c2989558e1a55825bb"],
  ["fluxcd-kustomize-controller/algorithms-age-pq.yaml", "fluxcd-kustomize-controller/keys/age-pq.txt", "bf6be4009ce5de949f482d70825a646bfddf6da4b8a79ec8c07099ac53f25eed"],
  ["fluxcd-kustomize-controller/global-secret.yaml", "fluxcd-kustomize-controller/keys/age-global.txt", "95c21ac70e00e7cfc9c33cbaf95451176e458a504fe665a77f28ba93ff46b595"],
  ["fluxcd-kustomize-controller/patches-merge1.yaml", "fluxcd-kustomize-controller/keys/age.txt", "1c15baa8e9b1775f5db7aabb0d1862485591ccd778c0ca2878992b64118325a7"],
  ["fluxcd-kustomize-controller/patches-merge2.yaml", "fluxcd-kustomize-controller/keys/age.txt", "bf03b7f435e6a4b2f8672d006a52fb3802c24bc294db237243ef09a9f7bda777"],
  ["fluxcd-kustomize-controller/envs-env.env", "fluxcd-kustomize-controller/keys/age.txt", "b8b84d1196e93186d08634f83ad4530fb33a4a875507fdb2222ce34ca7e8817d"],
  ["fluxcd-kustomize-controller/component-env.env", "fluxcd-kustomize-controller/keys/age.txt", "2eb99ede350a6e5258c635c26d839950c317a4a83bd0170b2e07bd9ea44e5f9d"],
  ["fluxcd-kustomize-controller/files-file.txt", "fluxcd-kustomize-controller/keys/age.txt", "2b9dd3092b81188cf3dfe1a81fad156d4e9fbed77a543d7e03c50bc55c8a118f"],
  ["isindir-sops-secrets-operator/00-test-secrets.yaml", "isindir-sops-secrets-operator/key-file.txt", "db8222b1548fdba1b39704346bca22b26fc6d3eb0ab3b5a3c10594a40fa21ef2"],
  ["isindir-sops-secrets-operator/01-test-secrets.yaml", "isindir-sops-secrets-operator/key-file.txt", "db8222b1548fdba1b39704346bca22b26fc6d3eb0ab3b5a3c10594a40fa21ef2"],
  ["isindir-sops-secrets-operator/02-test-secrets.yaml", "isindir-sops-secrets-operator/key-file.txt", "db8222b1548fdba1b39704346bca22b26fc6d3eb0ab3b5a3c10594a40fa21ef2"],
  ["isindir-sops-secrets-operator/03-test-secrets-enforce-ownership.yaml", "isindir-sops-secrets-operator/key-file.txt", "c157f44d6d4cbdcad73c86373e8533e5693c8e67f9799874f9a40bbbce12ceb5"],
  ["isindir-sops-secrets-operator/04-test-secrets-mac-only.yaml", "isindir-sops-secrets-operator/key-file.txt", "0d44813424b5ca1d9c802fd4f69d62a9878e68f8490f985f0f0e6ee0a05d8ffa"],
  ["gibbz00-rops/age_example.yaml", "gibbz00-rops/key.txt", "369384040a166180592b90c3f1debe26c7c67cc09bc21d1285fd0f2350de9df3"],
  ["gibbz00-rops/age_empty_value.yaml", "gibbz00-rops/key.txt", "ad534e60dcf72d0d48a55a89283a8683fca7ec5e60bcb13e7aef4c9459e46e7e"],
  ["gibbz00-rops/age_encrypted_regex.yaml", "gibbz00-rops/key.txt", "c4dc8a6e5b4725d8de2e6f55036acf6777167b0800c45686adf9bff3afd7bf67"],
  ["gibbz00-rops/age_encrypted_suffix.yaml", "gibbz00-rops/key.txt", "3f08f57aae9e818b1608324ccda532afc927dd2023436dc1b63980892c74b3a3"],
  ["gibbz00-rops/age_unencrypted_regex.yaml", "gibbz00-rops/key.txt", "9210cb09f7158cf94ea9e376beb3b2004bf37837f2d24e135d97ffa82f6d8442"],
  ["gibbz00-rops/age_unencrypted_suffix.yaml", "gibbz00-rops/key.txt", "631e2f15db62a35adb2164d1313d95e850e5c91c164606700d4ca90519f62cd4"],
  ["gibbz00-rops/age_mac_only_encrypted.yaml", "gibbz00-rops/key.txt", "8b9ec0a6cd8c865f0bd9d354db95e8592523f8379220b9c36b460b2e5e10f8c4"],
];

interface Entry {
  recipient: string;
  enc: string;
}

/** The `sops.age` list of a file, for the four text layouts (YAML/JSON, dotenv, INI). */
function ageEntries(file: string): Entry[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const flat = (re: RegExp): Entry[] => {
    const byIndex = new Map<string, Partial<Entry>>();
    for (const line of text.split("\n")) {
      const m = re.exec(line);
      if (!m) continue;
      const e = byIndex.get(m[1]!) ?? {};
      e[m[2] as keyof Entry] = m[3]!.replaceAll("\\n", "\n");
      byIndex.set(m[1]!, e);
    }
    return [...byIndex.values()] as Entry[];
  };
  if (file.endsWith(".env")) return flat(/^sops_age__list_(\d+)__map_(enc|recipient)=(.*)$/);
  if (file.endsWith(".ini")) return flat(/^age__list_(\d+)__map_(enc|recipient)\s*=\s*(.*)$/);
  return (YAML.parse(text) as { sops: { age: Entry[] } }).sops.age;
}

describe("real sops files: the data key from sops.age[].enc", () => {
  for (const [file, keyFile, dataKey] of CASES) {
    it(file, async () => {
      const keyPath = join(ROOT, keyFile);
      const set = await loadIdentities({ env: { SOPS_AGE_KEY_FILE: keyPath }, homedir: "/nonexistent" });
      expect(set.errors).toEqual([]);
      expect(set.sources).toEqual([`SOPS_AGE_KEY_FILE=${keyPath}`]);
      expect(set.identities).toHaveLength(1);
      const mine = await set.identities[0]!.recipient();
      // The key file's own comment says which recipient it is.
      expect(readFileSync(keyPath, "utf8")).toContain(`# public key: ${mine}`);

      const entries = ageEntries(file);
      expect(entries.length).toBeGreaterThan(0);
      let opened = 0;
      for (const e of entries) {
        const key = await unwrapDataKey(e.enc, set);
        if (e.recipient.trim() === mine) {
          expect(key && Buffer.from(key).toString("hex")).toBe(dataKey);
          opened++;
        } else {
          expect(key).toBeNull();
        }
      }
      expect(opened).toBe(1);
    });
  }
});
