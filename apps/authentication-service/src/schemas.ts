/** JSON schemas of the Authentication Service's bodies (validated by Fastify). */

/** Base64 of at most `bytes` bytes. */
const base64 = (bytes: number) => ({ type: "string", minLength: 1, maxLength: 4 * Math.ceil(bytes / 3) }) as const;

/**
 * `AsRegisterRequest`. The client id is only a bounded string here: its
 * alphabet is checked by `parseClientId`, to answer `client/bad-id`.
 */
export const registerRequestSchema = {
  type: "object",
  required: ["clientId", "signatureScheme", "signaturePublicKey", "proof"],
  additionalProperties: false,
  properties: {
    clientId: { type: "string", maxLength: 1024 },
    signatureScheme: { type: "integer", minimum: 0, maximum: 0xffff },
    // The longest MLS signature key is a P-521 point (133 bytes); the longest signature an ECDSA P-521 one (~139 bytes DER).
    signaturePublicKey: base64(256),
    proof: base64(256),
  },
} as const;

export const registerResponseSchema = {
  type: "object",
  required: ["certificateChain"],
  properties: { certificateChain: { type: "array", items: { type: "string" } } },
} as const;

export const trustAnchorsResponseSchema = {
  type: "object",
  required: ["anchors"],
  properties: { anchors: { type: "array", items: { type: "string" } } },
} as const;
