/**
 * Go's `base64.StdEncoding.DecodeString`, for the places where Vault accepts a value "optionally
 * base64-encoded" by trying to decode it and keeping the text when that fails (vault/logical_system.go
 * handlePoliciesSet does this with a policy's text). Node's decoder accepts nearly anything, so the
 * rules Go applies are checked first: the standard alphabet, `=` padding to a multiple of four,
 * and `\r`/`\n` skipped anywhere (Go's decoder ignores them). Go's StdEncoding is not Strict: unused
 * trailing bits need not be zero, as Node also ignores them.
 */

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The decoded bytes, or null where Go's decoder returns an error. */
export function goStdBase64Decode(text: string): Buffer | null {
  const stripped = text.replace(/[\r\n]/g, "");
  if (!STD_BASE64.test(stripped)) return null;
  return Buffer.from(stripped, "base64");
}
