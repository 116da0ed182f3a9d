/**
 * Registering a client (RFC 9750 §5): checks the client id, the key and the
 * proof that the client holds it, then issues and records its certificate.
 * Every refusal is a {@link DsError} thrown before anything is stored.
 */
import { bytesEqual, utf8 } from "@mlskit/codec";
import { verifyWithLabel } from "@mlskit/core";
import { type AsRegisterRequest, type AsRegisterResponse, DsError, REGISTRATION_PROOF_LABEL, fromBase64, parseClientId, toBase64 } from "@mlskit/ds-protocol";
import type { CertificateAuthority } from "./ca.js";
import { issueLeafCertificate } from "./leaf-certificate.js";
import { providerForScheme, subjectPublicKeyInfo } from "./signature-key.js";
import type { AsStore } from "./store.js";

/** What registration works with. */
export interface RegistrationContext {
  readonly ca: CertificateAuthority;
  readonly store: AsStore;
  readonly certificateLifetimeDays: number;
}

function alreadyRegistered(clientId: string): DsError {
  return new DsError("client/already-registered", `client ${clientId} is registered with another key`);
}

/**
 * Issues a certificate for a registration request (a client registered
 * before with the same key gets a new certificate).
 * @throws {@link DsError} `client/bad-id`, `request/malformed` (not base64),
 *   `client/bad-credential` (unsupported scheme, invalid key, proof that does
 *   not verify), `client/already-registered` (the id is bound to another key).
 */
export async function registerClient(ctx: RegistrationContext, request: AsRegisterRequest, now: Date = new Date()): Promise<AsRegisterResponse> {
  const clientId = parseClientId(request.clientId);
  const publicKey = fromBase64(request.signaturePublicKey, "signaturePublicKey");
  const proof = fromBase64(request.proof, "proof");
  const scheme = request.signatureScheme;

  const cs = await providerForScheme(scheme);
  const spki = await subjectPublicKeyInfo(cs, scheme, publicKey);
  const possessed = await verifyWithLabel(cs, publicKey, REGISTRATION_PROOF_LABEL, utf8(clientId), proof).catch(() => false);
  if (!possessed) throw new DsError("client/bad-credential", "proof does not verify under signaturePublicKey");

  const bound = ctx.store.clientKey(clientId);
  if (bound !== undefined && (bound.signatureScheme !== scheme || !bytesEqual(bound.signaturePublicKey, publicKey))) {
    throw alreadyRegistered(clientId);
  }

  const leaf = await issueLeafCertificate(ctx.ca, { clientId, subjectPublicKeyInfo: spki, lifetimeDays: ctx.certificateLifetimeDays, now });
  const certificate = new Uint8Array(leaf.rawData);
  const recorded = ctx.store.recordIssued({
    clientId,
    signatureScheme: scheme,
    signaturePublicKey: publicKey,
    serial: leaf.serialNumber.toLowerCase(),
    notAfter: leaf.notAfter,
    certificate,
    issuedAt: now,
  });
  // Another registration of this id with another key won the race.
  if (!recorded) throw alreadyRegistered(clientId);
  return { certificateChain: [toBase64(certificate), toBase64(new Uint8Array(ctx.ca.intermediate.rawData))] };
}
