/**
 * The closed set of `@mlskit/ds-client`'s own error codes (the Delivery
 * Service's answers keep their `DsError` codes; the facade's errors keep
 * theirs). Applications switch on the code, never on the text.
 */
/** The closed set of `@mlskit/ds-client` error codes. */
export const DS_CLIENT_ERROR_CODES = [
  /** The server's answer is not what the protocol says (an untrusted answer is checked before use). */
  "ds-client/bad-answer",
  /** The request did not reach the server, or its answer did not arrive, after every retry. */
  "ds-client/network",
  /** No room (group) with this id is kept by this client, or this client is no longer in it. */
  "ds-client/unknown-room",
  /** A Commit or message was refused for a stale epoch every time it was retried. */
  "ds-client/attempts-exhausted",
  /** The Messenger was closed. */
  "ds-client/closed",
  /** This client asked to leave the room: it no longer commits or sends there. */
  "ds-client/leaving",
  /** A queue item could not be processed (its cause says why); reported as an event. */
  "ds-client/item-failed",
  /** The Delivery Service dropped unacknowledged items (retention): groups may need to be rejoined. */
  "ds-client/queue-truncated",
  /** The client's credential does not present a valid client id (pass `clientId`). */
  "ds-client/bad-client-id",
  /** A member cannot commit its own removal (RFC 9420 §12.2): it leaves with `leave()`. */
  "ds-client/remove-self",
  /** A KeyPackage claimed for a client does not belong to it. */
  "ds-client/foreign-key-package",
] as const;

/** A `@mlskit/ds-client` error code. */
export type DsClientErrorCode = (typeof DS_CLIENT_ERROR_CODES)[number];
