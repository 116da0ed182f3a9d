/**
 * The Delivery Service's HTTP API, version 1 (RFC 9750 §5; shaped after the
 * MIMI drafts' key material, submit message, fan-out and GroupInfo
 * endpoints). Bodies are JSON; bytes are base64 strings; epochs are decimal
 * strings (they are uint64); group ids in paths are lowercase hex.
 *
 * Every request but the Authentication Service's registration is signed by
 * the client's MLS signature key (see request-auth.ts).
 */

/** Routes of the Delivery Service. */
export const DsRoutes = {
  /** POST {@link RegisterClientRequest}: a client presents its credential (signed by its key). */
  clients: "/v1/clients",
  /** POST {@link PublishKeyPackagesRequest}. */
  keyPackages: "/v1/key-packages",
  /** GET `?cipherSuite=N` → {@link KeyPackageCount} of the caller. */
  keyPackageCount: "/v1/key-packages/count",
  /** POST {@link ClaimKeyPackageRequest} → {@link ClaimKeyPackageResponse}. */
  claimKeyPackage: "/v1/key-packages/claim",
  /** POST {@link CreateGroupRequest}: registers a group with its creator as only member. */
  groups: "/v1/groups",
  /** POST {@link SubmitMessageRequest} → {@link SubmitMessageResponse}; GET `?fromEpoch=N` → {@link HandshakeHistory}. */
  groupMessages: (groupIdHex: string) => `/v1/groups/${groupIdHex}/messages`,
  /** GET → {@link GroupInfoResponse} (the latest GroupInfo, for external joins). */
  groupInfo: (groupIdHex: string) => `/v1/groups/${groupIdHex}/group-info`,
  /** GET → {@link GroupMembersResponse}. */
  groupMembers: (groupIdHex: string) => `/v1/groups/${groupIdHex}/members`,
  /** GET `?after=N&limit=M` → {@link QueueBatch} of the caller's queue. */
  queue: "/v1/queue",
  /** POST {@link AckRequest}: items up to this cursor are delivered and may be dropped. */
  queueAck: "/v1/queue/ack",
  /** WebSocket: `?auth=<Authorization value signed over "GET /v1/stream">`; frames are {@link StreamFrame}. */
  stream: "/v1/stream",
} as const;

/** Routes of the Authentication Service. */
export const AsRoutes = {
  /** POST {@link AsRegisterRequest} with `Authorization: Bearer <registration token>` → {@link AsRegisterResponse}. */
  register: "/as/v1/clients",
  /** GET → {@link TrustAnchorsResponse}. */
  trustAnchors: "/as/v1/trust-anchors",
} as const;

/** A client presents itself to the DS: its MLS credential (X.509 from the AS) and signature key. */
export interface RegisterClientRequest {
  readonly clientId: string;
  readonly cipherSuite: number;
  /** The TLS-encoded MLS `Credential` (RFC 9420 §5.3). */
  readonly credential: string;
  readonly signaturePublicKey: string;
}

/** KeyPackages to publish (RFC 9750 §5.1): TLS-encoded MLSMessages of wire format mls_key_package. */
export interface PublishKeyPackagesRequest {
  readonly keyPackages: readonly string[];
  /** Replaces the caller's last-resort KeyPackage for its suite (RFC 9420 §16.8). */
  readonly lastResort?: string;
}

/** How many KeyPackages of the caller are left to claim. */
export interface KeyPackageCount {
  readonly cipherSuite: number;
  readonly available: number;
  readonly lastResort: boolean;
}

export interface ClaimKeyPackageRequest {
  readonly clientId: string;
  readonly cipherSuite: number;
}

export interface ClaimKeyPackageResponse {
  readonly keyPackage: string;
  /** True when this is the target's last-resort KeyPackage (handed out again until replaced). */
  readonly lastResort: boolean;
}

export interface CreateGroupRequest {
  /** The group id, hex. */
  readonly groupId: string;
  /** MLSMessage(GroupInfo) of the new group: the DS follows the group's public state from it. */
  readonly groupInfo: string;
  /** The ratchet tree (TLS-encoded `optional<Node> ratchet_tree<V>`) when not in the GroupInfo. */
  readonly ratchetTree?: string;
}

/**
 * A message for the group's current epoch: a Proposal, Commit or application
 * message as MLSMessage (PublicMessage or PrivateMessage). With a Commit:
 * its Welcome, the new epoch's GroupInfo and, for PrivateMessage Commits
 * (whose content the DS cannot read), the membership change it makes.
 */
export interface SubmitMessageRequest {
  readonly message: string;
  readonly welcome?: string;
  /** Client ids the Welcome goes to. */
  readonly welcomeRecipients?: readonly string[];
  /** Client ids a PrivateMessage Commit removes (ignored for PublicMessage: the DS reads the Commit). */
  readonly removed?: readonly string[];
  /** MLSMessage(GroupInfo) of the epoch the Commit starts. */
  readonly groupInfo?: string;
  /** The ratchet tree of that epoch, for joiners whose Welcome does not carry it. */
  readonly ratchetTree?: string;
}

export interface SubmitMessageResponse {
  /** The group's epoch after this message (decimal). */
  readonly epoch: string;
}

export interface HandshakeHistory {
  readonly items: readonly { readonly epoch: string; readonly sender: string; readonly message: string }[];
}

export interface GroupInfoResponse {
  readonly epoch: string;
  readonly groupInfo: string;
  readonly ratchetTree?: string;
}

export interface GroupMembersResponse {
  readonly epoch: string;
  readonly members: readonly string[];
}

/** One delivery in a client's queue. */
export interface QueueItem {
  /** The position in the caller's queue: strictly increasing, acknowledged with {@link AckRequest}. */
  readonly seq: number;
  readonly kind: "welcome" | "handshake" | "application";
  /** Group id, hex. */
  readonly groupId: string;
  /** The message's epoch (for a Welcome: the epoch it starts). */
  readonly epoch: string;
  readonly sender: string;
  readonly message: string;
  /** With a Welcome: the ratchet tree, when the committer gave one. */
  readonly ratchetTree?: string;
}

export interface QueueBatch {
  readonly items: readonly QueueItem[];
  /**
   * True when retention dropped items the caller had not acknowledged
   * (its cursor is older than the oldest item kept): it must rejoin groups
   * it can no longer follow.
   */
  readonly truncated: boolean;
}

export interface AckRequest {
  readonly upTo: number;
}

/** Frames on the WebSocket stream. */
export type StreamFrame =
  /** client → server, first frame: send what follows this cursor, then push as it arrives. */
  | { readonly type: "subscribe"; readonly after: number }
  /** server → client. */
  | { readonly type: "items"; readonly items: readonly QueueItem[]; readonly truncated: boolean }
  /** client → server. */
  | { readonly type: "ack"; readonly upTo: number }
  /** server → client, then close. */
  | { readonly type: "error"; readonly error: string; readonly message: string };

export interface AsRegisterRequest {
  readonly clientId: string;
  /** The signature scheme (RFC 9420 §17.1 SignatureScheme value) of the key. */
  readonly signatureScheme: number;
  /** The raw public key as MLS encodes it in a LeafNode. */
  readonly signaturePublicKey: string;
  /** Proof of possession: SignWithLabel(key, "mlskit AS registration", clientId) (RFC 9420 §5.1.2). */
  readonly proof: string;
}

export interface AsRegisterResponse {
  /** DER certificates, leaf first, ending with the AS's issuing CA (not the root). */
  readonly certificateChain: readonly string[];
}

export interface TrustAnchorsResponse {
  /** DER root certificates to validate credentials against. */
  readonly anchors: readonly string[];
}
