/** `Credential` (RFC 9420 §5.3). */
import { type Codec, type Reader, type Writer, opaque, vector } from "@mlskit/codec";
import { CredentialType, type CredentialTypeId } from "./ids.js";

/** `opaque identity<V>` for basic credentials. */
export interface BasicCredential {
  readonly credentialType: typeof CredentialType.basic;
  readonly identity: Uint8Array;
}

/** `Certificate certificates<V>`: DER certificates, leaf first. */
export interface X509Credential {
  readonly credentialType: typeof CredentialType.x509;
  readonly certificates: Uint8Array[];
}

/** A credential of an application-defined type, with its body as the application's codec decoded it. */
export interface CustomCredential {
  readonly credentialType: CredentialTypeId;
  readonly body: Uint8Array;
}

export type Credential = BasicCredential | X509Credential | CustomCredential;

const certificates = vector(opaque);

/**
 * Credential codec. Credential bodies of types other than basic and x509 have
 * no generic framing in RFC 9420 (the `select` has no length prefix); custom
 * types therefore carry their body as `opaque<V>`, the convention the
 * registry's future types and the interop community use.
 */
export const credentialCodec: Codec<Credential> = {
  encode(w: Writer, c: Credential) {
    w.uint16(c.credentialType);
    if (c.credentialType === CredentialType.basic) w.opaque((c as BasicCredential).identity);
    else if (c.credentialType === CredentialType.x509) certificates.encode(w, (c as X509Credential).certificates);
    else w.opaque((c as CustomCredential).body);
  },
  decode(r: Reader): Credential {
    const credentialType = r.uint16();
    if (credentialType === CredentialType.basic) return { credentialType, identity: r.field("identity", () => opaque.decode(r)) };
    if (credentialType === CredentialType.x509) {
      return { credentialType, certificates: r.field("certificates", () => certificates.decode(r)) };
    }
    return { credentialType, body: r.field("body", () => opaque.decode(r)) };
  },
};

/** Narrowing helper. */
export function isBasicCredential(c: Credential): c is BasicCredential {
  return c.credentialType === CredentialType.basic;
}

/** Narrowing helper. */
export function isX509Credential(c: Credential): c is X509Credential {
  return c.credentialType === CredentialType.x509;
}
