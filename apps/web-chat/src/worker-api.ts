/**
 * The page ↔ worker protocol. The page sends {@link WorkerRequest}s (each
 * with an id) and gets one {@link WorkerResponse} per id; the worker pushes
 * {@link WorkerEvent}s on its own. Everything here is plain data
 * (structured clone): no keys, no MLS state — the page only ever sees
 * names, texts and credential summaries.
 */

/** The signed-in person, as the page shows it. */
export interface MeView {
  readonly name: string;
  /** "non-extractable": private keys are non-extractable CryptoKeys in IndexedDB. */
  readonly keys: "non-extractable" | "bytes";
}

/** A room this client is in. */
export interface RoomView {
  /** The group id (hex). */
  readonly id: string;
  /** A local name: the creator's choice, or "with <inviter>" for a joined room. */
  readonly name: string;
}

/** A member of a room and the X.509 credential the group holds for them. */
export interface MemberView {
  readonly name: string;
  readonly subject: string;
  readonly issuer: string;
  /** ISO 8601. */
  readonly notBefore: string;
  readonly notAfter: string;
  /** The credential validated against the Authentication Service's roots now. */
  readonly valid: boolean;
  /** Why not, when not valid. */
  readonly problem?: string;
  readonly me: boolean;
}

/** A line of a room's history. */
export interface MessageView {
  readonly roomId: string;
  /** "text": someone's message; "note": something that happened (a join, a removal). */
  readonly kind: "text" | "note";
  /** The sender's name (texts). */
  readonly sender?: string;
  readonly text: string;
  /** Milliseconds since the Unix epoch. */
  readonly at: number;
  readonly mine: boolean;
}

/** What {@link WorkerCalls} `invite` did. */
export interface InviteOutcome {
  readonly added: readonly string[];
  readonly alreadyMembers: readonly string[];
  /** One sentence per name that could not be invited. */
  readonly failures: readonly string[];
}

/** What {@link WorkerCalls} `remove` did. */
export interface RemoveOutcome {
  readonly removed: readonly string[];
  /** Names that were not members (gone already). */
  readonly notMembers: readonly string[];
}

/** The calls the worker answers: arguments and result of each. */
export interface WorkerCalls {
  /** Restores the client stored in IndexedDB (no Authentication Service needed), if any. */
  restore: { args: Record<string, never>; result: { readonly me: MeView; readonly rooms: readonly RoomView[] } | null };
  /** Registers `name` with the Authentication Service (first use) or restores it. */
  signIn: { args: { readonly name: string; readonly token: string }; result: { readonly me: MeView; readonly rooms: readonly RoomView[] } };
  rooms: { args: Record<string, never>; result: readonly RoomView[] };
  createRoom: { args: { readonly name: string }; result: RoomView };
  invite: { args: { readonly roomId: string; readonly names: readonly string[] }; result: InviteOutcome };
  members: { args: { readonly roomId: string }; result: readonly MemberView[] };
  history: { args: { readonly roomId: string }; result: readonly MessageView[] };
  send: { args: { readonly roomId: string; readonly text: string }; result: MessageView };
  /** Removes other members (a Commit by this client). */
  remove: { args: { readonly roomId: string; readonly names: readonly string[] }; result: RemoveOutcome };
  leave: { args: { readonly roomId: string }; result: null };
}

/** A call's name. */
export type WorkerMethod = keyof WorkerCalls;

/** A request from the page. */
export type WorkerRequest = {
  [K in WorkerMethod]: { readonly id: number; readonly method: K; readonly args: WorkerCalls[K]["args"] };
}[WorkerMethod];

/** An error as a person reads it, with the mlskit code when there is one. */
export interface ErrorView {
  readonly text: string;
  readonly code?: string;
}

/** The answer to request `id`. */
type WorkerResponse =
  | { readonly type: "response"; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: "response"; readonly id: number; readonly ok: false; readonly error: ErrorView };

/** What the worker tells the page without being asked. */
export type WorkerEvent =
  | { readonly kind: "message"; readonly message: MessageView }
  | { readonly kind: "joined"; readonly room: RoomView; readonly by: string }
  | { readonly kind: "members-changed"; readonly roomId: string; readonly added: readonly string[]; readonly removed: readonly string[] }
  /** This client is out of a room: `left` when it asked to leave, otherwise another member removed it. */
  | { readonly kind: "removed"; readonly roomId: string; readonly roomName: string; readonly left: boolean }
  | { readonly kind: "error"; readonly error: ErrorView; readonly roomId?: string };

/** Anything the worker posts. */
export type WorkerOutbound = WorkerResponse | { readonly type: "event"; readonly event: WorkerEvent };
