/**
 * The chat of the signed-in person: the facade client connected to the
 * Delivery Service through a {@link Messenger}, with room names and history
 * in the app database. Messenger events are written to the history first
 * and then pushed to the page, one after the other in the order they came.
 */
import { fromHex } from "@mlskit/codec";
import { isKeyHandle } from "@mlskit/crypto-webcrypto";
import { Messenger } from "@mlskit/ds-client";
import type { InviteOutcome, RemoveOutcome, MeView, MemberView, MessageView, RoomView, WorkerEvent } from "../worker-api.js";
import type { AppDb } from "./app-db.js";
import { ChatError } from "./chat-error.js";
import { memberViews } from "./credentials.js";
import { errorView, inviteFailureText } from "./error-text.js";
import type { Identity } from "./identity.js";

const decoder = new TextDecoder();

/** How a room without a stored name is shown. */
function fallbackName(roomId: string): string {
  return `room ${roomId.slice(0, 8)}`;
}

export class Chat {
  readonly #identity: Identity;
  readonly #messenger: Messenger;
  readonly #db: AppDb;
  readonly #emit: (event: WorkerEvent) => void;
  readonly #keys: MeView["keys"];
  /** Rooms this client asked to leave (so a removal is its own doing). */
  readonly #leaving = new Set<string>();
  /** Event handling, in order. */
  #events: Promise<void> = Promise.resolve();

  private constructor(identity: Identity, messenger: Messenger, db: AppDb, emit: (event: WorkerEvent) => void, keys: MeView["keys"]) {
    this.#identity = identity;
    this.#keys = keys;
    this.#messenger = messenger;
    this.#db = db;
    this.#emit = emit;
  }

  /** Connects `identity` to the Delivery Service at `serverUrl` and starts receiving. */
  static async start(identity: Identity, db: AppDb, serverUrl: string, emit: (event: WorkerEvent) => void): Promise<Chat> {
    const messenger = await Messenger.open({ serverUrl, client: identity.client });
    // The private key the client signs with is a key handle when it is a non-extractable CryptoKey in IndexedDB.
    const { privateKey } = await identity.client.signatureKeyPair();
    const chat = new Chat(identity, messenger, db, emit, isKeyHandle(privateKey) ? "non-extractable" : "bytes");
    messenger.on("message", (m) => chat.#handle(() => chat.#received(m.groupId, m.sender, decoder.decode(m.data))));
    messenger.on("joined", (j) => chat.#handle(() => chat.#joined(j.groupId, j.by)));
    messenger.on("members-changed", (c) => chat.#handle(() => chat.#membersChanged(c.groupId, c.added, c.removed)));
    messenger.on("removed", (r) => chat.#handle(() => chat.#removed(r.groupId)));
    messenger.on("error", (e) => chat.#handle(async () => emit({ kind: "error", error: errorView(e), ...(e.groupId !== undefined ? { roomId: e.groupId } : {}) })));
    return chat;
  }

  get me(): MeView {
    return { name: this.#identity.name, keys: this.#keys };
  }

  /** The rooms this client is in, by name. */
  async rooms(): Promise<RoomView[]> {
    const names = new Map((await this.#db.rooms()).map((r) => [r.id, r.name]));
    const rooms = (await this.#messenger.rooms()).map((id) => ({ id, name: names.get(id) ?? fallbackName(id) }));
    return rooms.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  async createRoom(name: string): Promise<RoomView> {
    const trimmed = name.trim();
    if (trimmed === "") throw new ChatError("web-chat/room-name", "give the room a name");
    const id = await this.#messenger.createRoom();
    const room = { id, name: trimmed };
    await this.#db.putRoom(room);
    return room;
  }

  async invite(roomId: string, names: readonly string[]): Promise<InviteOutcome> {
    const wanted = names.map((n) => n.trim()).filter((n) => n !== "");
    if (wanted.length === 0) throw new ChatError("web-chat/invite-name", "type the name of the person to invite");
    const r = await this.#messenger.invite(roomId, wanted);
    return { added: r.added, alreadyMembers: r.alreadyMembers, failures: r.failed.map((f) => inviteFailureText(f.clientId, f.code)) };
  }

  async members(roomId: string): Promise<MemberView[]> {
    const group = await this.#identity.client.getGroup(fromHex(roomId));
    if (group === undefined || !group.active) throw new ChatError("web-chat/not-in-room", "you are not in that room any more");
    return memberViews(group, this.#identity.identityProvider);
  }

  history(roomId: string): Promise<MessageView[]> {
    return this.#db.history(roomId);
  }

  async send(roomId: string, text: string): Promise<MessageView> {
    if (text.trim() === "") throw new ChatError("web-chat/empty-message", "type a message first");
    await this.#messenger.send(roomId, text);
    const message: MessageView = { roomId, kind: "text", sender: this.#identity.name, text, at: Date.now(), mine: true };
    await this.#db.addMessage(message);
    return message;
  }

  /** Removes `names` from the room (a Commit by this client); the others get `members-changed`, the removed get `removed`. */
  async remove(roomId: string, names: readonly string[]): Promise<RemoveOutcome> {
    const wanted = names.map((n) => n.trim()).filter((n) => n !== "");
    if (wanted.length === 0) throw new ChatError("web-chat/remove-name", "pick the member to remove");
    if (wanted.includes(this.#identity.name)) throw new ChatError("web-chat/remove-self", "you cannot remove yourself: use “Leave this room”");
    const r = await this.#messenger.remove(roomId, wanted);
    return { removed: r.removed, notMembers: r.notMembers };
  }

  /** Asks to leave: another member commits it, then the `removed` event follows. */
  async leave(roomId: string): Promise<void> {
    this.#leaving.add(roomId);
    try {
      await this.#messenger.leave(roomId);
    } catch (e) {
      this.#leaving.delete(roomId);
      throw e;
    }
  }

  // --- Messenger events ---

  #handle(fn: () => Promise<void>): void {
    this.#events = this.#events.then(fn).catch((e: unknown) => this.#emit({ kind: "error", error: errorView(e) }));
  }

  async #note(roomId: string, text: string): Promise<void> {
    const message: MessageView = { roomId, kind: "note", text, at: Date.now(), mine: false };
    await this.#db.addMessage(message);
    this.#emit({ kind: "message", message });
  }

  async #received(roomId: string, sender: string, text: string): Promise<void> {
    const message: MessageView = { roomId, kind: "text", sender, text, at: Date.now(), mine: sender === this.#identity.name };
    await this.#db.addMessage(message);
    this.#emit({ kind: "message", message });
  }

  async #joined(roomId: string, by: string): Promise<void> {
    const room = { id: roomId, name: `with ${by}` };
    await this.#db.putRoom(room);
    await this.#note(roomId, `${by} added you to this room`);
    this.#emit({ kind: "joined", room, by });
  }

  async #membersChanged(roomId: string, added: readonly string[], removed: readonly string[]): Promise<void> {
    for (const n of added) if (n !== this.#identity.name) await this.#note(roomId, `${n} joined`);
    for (const n of removed) if (n !== this.#identity.name) await this.#note(roomId, `${n} is no longer in this room`);
    this.#emit({ kind: "members-changed", roomId, added, removed });
  }

  async #removed(roomId: string): Promise<void> {
    const left = this.#leaving.delete(roomId);
    const roomName = (await this.#db.rooms()).find((r) => r.id === roomId)?.name ?? fallbackName(roomId);
    await this.#db.deleteRoom(roomId);
    this.#emit({ kind: "removed", roomId, roomName, left });
  }
}
