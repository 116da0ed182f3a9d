/**
 * What a {@link Messenger} tells the application, as typed events
 * (`messenger.on("message", (e) => ...)`). A listener that throws does not
 * stop the others nor the stream.
 */

/** An application message of a room. */
export interface MessageEvent {
  /** The room (group id, hex). */
  readonly groupId: string;
  /**
   * The sender's client id, from its credential in the message's epoch
   * (authenticated by MLS, not by the DS; the DS's word only when that
   * credential's identity is not a client id).
   */
  readonly sender: string;
  readonly data: Uint8Array;
  /** The epoch the message was sent in. */
  readonly epoch: bigint;
}

/** This client joined a room from a Welcome. */
export interface JoinedEvent {
  readonly groupId: string;
  /** The client id that added us (the Welcome's committer, as the DS names it). */
  readonly by: string;
  readonly epoch: bigint;
}

/** A Commit (ours or another member's) changed the members of a room. */
export interface MembersChangedEvent {
  readonly groupId: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** The epoch the Commit started. */
  readonly epoch: bigint;
}

/** This client was removed from a room (or left it): no more messages come from it. */
export interface RemovedEvent {
  readonly groupId: string;
  /** The epoch whose Commit removed us. */
  readonly epoch: bigint;
}

/** Something failed without stopping the Messenger (an item that could not be processed, the stream). */
export interface ErrorEvent {
  readonly groupId?: string;
  /** An mlskit error code (`ds-client/*`, a `DsError` code, or the facade's). */
  readonly code: string;
  readonly message: string;
  readonly cause?: unknown;
}

/** The events of a Messenger, by name. */
export interface MessengerEvents {
  message: MessageEvent;
  joined: JoinedEvent;
  "members-changed": MembersChangedEvent;
  removed: RemovedEvent;
  error: ErrorEvent;
}

/** A Messenger event's name. */
export type MessengerEventName = keyof MessengerEvents;

/** Listeners by event name. */
export class EventHub {
  readonly #listeners = new Map<MessengerEventName, Set<(event: never) => void>>();

  /** Adds a listener; returns a function that removes it. */
  on<K extends MessengerEventName>(name: K, listener: (event: MessengerEvents[K]) => void): () => void {
    let set = this.#listeners.get(name);
    if (set === undefined) this.#listeners.set(name, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => void set.delete(listener as (event: never) => void);
  }

  /** Calls every listener of `name`; a listener's exception is swallowed (it must not stop the stream). */
  emit<K extends MessengerEventName>(name: K, event: MessengerEvents[K]): void {
    for (const l of [...(this.#listeners.get(name) ?? [])]) {
      try {
        (l as (event: MessengerEvents[K]) => void)(event);
      } catch {
        // The application's bug is not the stream's.
      }
    }
  }
}
