import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KeySource } from "../../src/sops/keysource.js";

/** The test data kept in the repository (test/fixtures/), located from this file. */
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");
/** Real sops-written files with their published test keys (see its PROVENANCE.md and MANIFEST.md). */
export const INTEROP = join(FIXTURES, "sops-age");
/** The C2SP age conformance vectors (see its PROVENANCE.md and README.md). */
export const VECTORS = join(FIXTURES, "age-vectors");

export function fixture(path: string): Buffer {
  return readFileSync(join(INTEROP, path));
}

export function fixturePath(path: string): string {
  return join(INTEROP, path);
}

/**
 * A key source that already knows the data key (MANIFEST.md lists each fixture's), so format tests
 * run without the age layer. It opens every entry; it cannot wrap.
 */
export function knownDataKey(hex: string): KeySource {
  const key = new Uint8Array(Buffer.from(hex, "hex"));
  return {
    wrap: async () => {
      throw new Error("knownDataKey cannot wrap");
    },
    unwrap: async () => key,
    describe: () => "a fixed test data key",
  };
}

/** Data keys of the age-encrypted fixtures, from MANIFEST.md. */
export const dataKeys: Record<string, string> = {
  "humphd-sops-age/secret.enc.yaml": "81d247290bee0b25484e76101e727f63fc984896953fe4888864f49db529e73a",
  "humphd-sops-age/secret.enc.json": "3179b6f3028d542104273fb29380218e5264913b9daf4551a6a2262cee3de70a",
  "humphd-sops-age/secret.enc.env": "34d808b56651590dd622a2982a2b71faced94571cbdfd4933d939db8e5350fc3",
  "humphd-sops-age/secret.enc.ini": "4171c8e3523242cf51559462efea9574dc7fa70dc20aadb98b9de3f69d39e46e",
  "humphd-sops-age/history/secret.v1.enc.yaml": "5bf39bc5d9c7f6a10828f62f59b6e7bce6cb9a0cdbf47d7e3b530dc84104cf0c",
  "humphd-sops-age/history/secret.v1.enc.json": "7982c488b1509e98d892c59388aa70bf6b0a870f9625be45a3f698d98a97b307",
  "humphd-sops-age/history/secret.v1.enc.env": "a111cdafdc1b4338bee444ae1c00c5865eea1ca3a3d0ea856962671ddf434ce1",
  "humphd-sops-age/history/secret.v1.enc.ini": "09d79bcb6f5d22c7b543b68e56ab319cd475384c74fc625452da5cd5fed2a73e",
  "sops-nix/secrets.yaml": "b9152942b7105527fd1fb9e2d9a1ee9bd03a7bb8edea26d311fda1a2e85056b2",
  "helm-secrets/secrets.age.yaml": "6798cb778841891c459dde148789260418757698787d1fc2fc85bd23e1d98d6e",
  "fluxcd-kustomize-controller/algorithms-age.yaml": "558e95c88337865c839703a4e892c03eed324ae6bbcb65c2989558e1a55825bb",
  "fluxcd-kustomize-controller/algorithms-age-pq.yaml": "bf6be4009ce5de949f482d70825a646bfddf6da4b8a79ec8c07099ac53f25eed",
  "fluxcd-kustomize-controller/global-secret.yaml": "95c21ac70e00e7cfc9c33cbaf95451176e458a504fe665a77f28ba93ff46b595",
  "fluxcd-kustomize-controller/patches-merge1.yaml": "1c15baa8e9b1775f5db7aabb0d1862485591ccd778c0ca2878992b64118325a7",
  "fluxcd-kustomize-controller/patches-merge2.yaml": "bf03b7f435e6a4b2f8672d006a52fb3802c24bc294db237243ef09a9f7bda777",
  "fluxcd-kustomize-controller/envs-env.env": "b8b84d1196e93186d08634f83ad4530fb33a4a875507fdb2222ce34ca7e8817d",
  "fluxcd-kustomize-controller/component-env.env": "2eb99ede350a6e5258c635c26d839950c317a4a83bd0170b2e07bd9ea44e5f9d",
  "fluxcd-kustomize-controller/files-file.txt": "2b9dd3092b81188cf3dfe1a81fad156d4e9fbed77a543d7e03c50bc55c8a118f",
  "isindir-sops-secrets-operator/00-test-secrets.yaml": "db8222b1548fdba1b39704346bca22b26fc6d3eb0ab3b5a3c10594a40fa21ef2",
  "isindir-sops-secrets-operator/01-test-secrets.yaml": "db8222b1548fdba1b39704346bca22b26fc6d3eb0ab3b5a3c10594a40fa21ef2",
  "isindir-sops-secrets-operator/02-test-secrets.yaml": "db8222b1548fdba1b39704346bca22b26fc6d3eb0ab3b5a3c10594a40fa21ef2",
  "isindir-sops-secrets-operator/03-test-secrets-enforce-ownership.yaml": "c157f44d6d4cbdcad73c86373e8533e5693c8e67f9799874f9a40bbbce12ceb5",
  "isindir-sops-secrets-operator/04-test-secrets-mac-only.yaml": "0d44813424b5ca1d9c802fd4f69d62a9878e68f8490f985f0f0e6ee0a05d8ffa",
  "gibbz00-rops/age_example.yaml": "369384040a166180592b90c3f1debe26c7c67cc09bc21d1285fd0f2350de9df3",
  "gibbz00-rops/age_empty_value.yaml": "ad534e60dcf72d0d48a55a89283a8683fca7ec5e60bcb13e7aef4c9459e46e7e",
  "gibbz00-rops/age_encrypted_regex.yaml": "c4dc8a6e5b4725d8de2e6f55036acf6777167b0800c45686adf9bff3afd7bf67",
  "gibbz00-rops/age_encrypted_suffix.yaml": "3f08f57aae9e818b1608324ccda532afc927dd2023436dc1b63980892c74b3a3",
  "gibbz00-rops/age_unencrypted_regex.yaml": "9210cb09f7158cf94ea9e376beb3b2004bf37837f2d24e135d97ffa82f6d8442",
  "gibbz00-rops/age_unencrypted_suffix.yaml": "631e2f15db62a35adb2164d1313d95e850e5c91c164606700d4ca90519f62cd4",
  "gibbz00-rops/age_mac_only_encrypted.yaml": "8b9ec0a6cd8c865f0bd9d354db95e8592523f8379220b9c36b460b2e5e10f8c4",
  // PGP-wrapped files from the sops repo: their data keys let us test the format without PGP.
  "getsops-sops-pgp/example.yaml": "8c68886c50b5b72965a3cb99c5172e1d74a8aca27b39ee880b535d6907e59f68",
  "getsops-sops-pgp/example.json": "faf6a891866fac550ef548b4e5f6fbc98fccc6827cd943cc8d7539747f1d87bd",
  "getsops-sops-pgp/example.ini": "110e4d601e66ac7039e9ef32e6e8bb93fb1dbf833fb42003c93877ece3003575",
  "getsops-sops-pgp/example.txt": "67788979caa78ea7c5ae7adae47eb9161bfd15c94a2f3d88c708bcfa19a85dd7",
  "getsops-sops-pgp/comments.enc.yaml": "61bec946f5783fd4cea3d1b1ce407fce2b6e81fc301cc539c422015e27f6d1be",
  "getsops-sops-pgp/comments_unencrypted_comments.yaml": "70f645aec88418dff72ac2a7a5503209cf00beda80706e6e157fd94ae53885a0",
  "getsops-sops-pgp/format.enc.yaml": "af5e68dd342b72c6a0475f81a50da4fde898f4b7742c92cbcf1668211411f4e4",
  "getsops-sops-pgp/format.enc.json": "9f6aeda6383502c38f7dae6fbbb8cb6890582adb0335effa8952fe590d7a9596",
  "getsops-sops-pgp/format.enc.env": "322d9a97997823fb2bf42f55a6c26100cbaf0520cf88bb7ebee1cf47dd6d318d",
  "getsops-sops-pgp/format.enc.ini": "ce46fd76883106d55913ff2207e160bbeac65a71d6e1cf84c510614bed6f8ccd",
  "getsops-sops-pgp/format-2.enc.ini": "200b251d35608cb3451d26d95d0f6c4580575d8f61d908b6d224fc488c65263f",
  "getsops-sops-pgp/multiple_keys.yaml": "1e1db61c6b93c001caa9ce34a9d68448eee8a3c69336697eab36bb92327ce786",
  "getsops-sops-pgp/no_mac.yaml": "87f9ee7ab041cfd1946fb50e6166b29858fcb4224ae3816186a129248558461f",
  "getsops-sops-pgp/examples-all_in_one-secret.enc.json": "276343cf31746c1cc08d9d123c93d2d5d3abcb306f2505e568560e6d15e11fba",
  "sops-nix/pgp-only/secrets.env": "d47a66aa0fc88f3a593ea2640ff1f7608f80e134bb40ed668555c936f1dd8e19",
  "sops-nix/pgp-only/secrets.ini": "0e3422dcdc60ebecac85f9257df7f890d445263372b98d959367cd64f4fb918b",
  "sops-nix/pgp-only/secrets.json": "f7820264ffb2476c375f41af3f6fc4b6ed53775ee4338a73dbfd09f0c15c3b80",
  "sops-nix/pgp-only/secrets.bin": "76b56cbf2679698e51d455d051e8a270b0ca75bbaca9fc16c5c47c17d767346a",
};
