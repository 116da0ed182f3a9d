/**
 * What the Authentication Service keeps: its CA material and a record of
 * every certificate it issued. {@link sqliteAsStore} is the implementation.
 */

/** The CA's certificates (DER) and private keys (PKCS#8), created once at first start. */
export interface StoredCa {
  readonly rootCertificate: Uint8Array;
  readonly rootPrivateKey: Uint8Array;
  readonly intermediateCertificate: Uint8Array;
  readonly intermediatePrivateKey: Uint8Array;
}

/** One certificate the service issued. */
export interface IssuedCertificate {
  readonly clientId: string;
  /** RFC 9420 SignatureScheme of the key. */
  readonly signatureScheme: number;
  /** The client's MLS signature public key, as MLS encodes it. */
  readonly signaturePublicKey: Uint8Array;
  /** The certificate's serial number, lowercase hex. */
  readonly serial: string;
  readonly notAfter: Date;
  /** The leaf certificate, DER. */
  readonly certificate: Uint8Array;
  readonly issuedAt: Date;
}

/** Storage of the Authentication Service. Synchronous: each call is one transaction. */
export interface AsStore {
  /** The CA material, or `undefined` before the first start. */
  loadCa(): StoredCa | undefined;
  /**
   * Keeps the CA material unless some is there already; returns what is
   * kept (so two processes starting at once end with the same CA).
   */
  saveCa(ca: StoredCa): StoredCa;
  /** The key a client id is bound to (its first registration), if any. */
  clientKey(clientId: string): { readonly signatureScheme: number; readonly signaturePublicKey: Uint8Array } | undefined;
  /**
   * Records an issued certificate. Returns false, recording nothing, when
   * the client id is bound to another key (checked in the same transaction).
   */
  recordIssued(issued: IssuedCertificate): boolean;
  /** Every issued certificate, oldest first (for operators and tests). */
  listIssued(): IssuedCertificate[];
  close(): void;
}
