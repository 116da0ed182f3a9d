/**
 * The members panel's data: each leaf of a room's ratchet tree with the
 * X.509 credential the group holds for it, validated now against the
 * Authentication Service's roots (subject, issuer and validity of the leaf
 * certificate come from the validated path).
 */
import { CredentialType } from "@mlskit/core";
import type { X509IdentityProvider } from "@mlskit/credential-x509";
import type { Group } from "@mlskit/mls";
import type { MemberView } from "../worker-api.js";
import { errorText } from "./error-text.js";

const decoder = new TextDecoder();

/** The members of `group`, sorted by name. */
export async function memberViews(group: Group, identityProvider: X509IdentityProvider): Promise<MemberView[]> {
  const out: MemberView[] = [];
  const tree = group.state.tree;
  for (const leaf of tree.leaves()) {
    const node = tree.leafNode(leaf);
    if (node === undefined) continue;
    const me = leaf === group.ownLeafIndex;
    if (node.credential.credentialType !== CredentialType.x509) {
      out.push({ name: "(not an X.509 member)", subject: "", issuer: "", notBefore: "", notAfter: "", valid: false, problem: "not an X.509 credential", me });
      continue;
    }
    try {
      const v = await identityProvider.validateCredential({
        credential: node.credential,
        signaturePublicKey: node.signatureKey,
        cipherSuite: group.cipherSuite,
        context: { event: "commit" },
      });
      const cert = v.certificates[0]!;
      out.push({
        name: decoder.decode(v.identity),
        subject: cert.subject,
        issuer: cert.issuer,
        notBefore: cert.notBefore.toISOString(),
        notAfter: cert.notAfter.toISOString(),
        valid: true,
        me,
      });
    } catch (e) {
      let name = "(unknown)";
      try {
        name = decoder.decode(await identityProvider.identity(node.credential));
      } catch {
        // No readable identity either.
      }
      out.push({ name, subject: "", issuer: "", notBefore: "", notAfter: "", valid: false, problem: errorText(e), me });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
