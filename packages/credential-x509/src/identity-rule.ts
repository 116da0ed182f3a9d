/**
 * Which of the leaf certificate's presented identifiers (RFC 9420 §5.3.1,
 * following RFC 6125) becomes the MLS identity.
 */
import { utf8 } from "@mlskit/codec";
import type { X509Certificate } from "@peculiar/x509";
import { X509CredentialError } from "./errors.js";
import type { SubjectAltName } from "./extensions.js";
import { type ParsedCertificate, subjectText } from "./parsed-certificate.js";

/**
 * How to read the identity from the leaf certificate:
 * - `"uri"`, `"dns"`, `"email"`: the first subjectAltName of that type;
 * - `"common-name"`: the first subject CN;
 * - `"uri-or-common-name"` (default): the first URI SAN, else the subject CN;
 * - a function of the leaf and its SANs, returning bytes, a string (taken as
 *   UTF-8), or `undefined` for none.
 *
 * Strings become identities as their UTF-8 bytes.
 */
export type X509IdentityRule =
  "uri" | "dns" | "email" | "common-name" | "uri-or-common-name" | ((leaf: X509Certificate, subjectAltNames: readonly SubjectAltName[]) => Uint8Array | string | undefined);

/**
 * The identity the leaf presents under `rule`.
 * @throws {@link X509CredentialError} `credential/x509-no-identity` when there is none.
 */
export function readIdentity(leaf: ParsedCertificate, rule: X509IdentityRule): Uint8Array {
  const sans = leaf.subjectAltNames;
  const firstSan = (type: SubjectAltName["type"]) => sans.find((s) => s.type === type)?.value;
  const commonName = () => leaf.certificate.subjectName.getField("CN")[0];
  let found: Uint8Array | string | undefined;
  if (typeof rule === "function") found = rule(leaf.certificate, sans);
  else if (rule === "common-name") found = commonName();
  else if (rule === "uri-or-common-name") found = firstSan("uri") ?? commonName();
  else found = firstSan(rule);
  if (found === undefined || found.length === 0) {
    throw new X509CredentialError("credential/x509-no-identity", "5.3.1", `no identity under rule ${typeof rule === "function" ? "(custom)" : `"${rule}"`}`, {
      chainIndex: 0,
      subject: subjectText(leaf),
    });
  }
  return typeof found === "string" ? utf8(found) : found.slice();
}
