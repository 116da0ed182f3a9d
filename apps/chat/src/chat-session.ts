/**
 * The chat's commands carried out on a {@link Messenger}, and its events
 * shown: everything a person sees goes through `print`, one line (or a few)
 * at a time, errors as sentences (error-text.ts).
 */
import type { Messenger } from "@mlskit/ds-client";
import { type ChatCommand, HELP } from "./commands.js";
import { errorText, inviteFailureText } from "./error-text.js";
import { listOfNames, renderError, renderJoined, renderMembersChanged, renderMessage, renderRemoved } from "./render.js";
import type { RoomBook } from "./room-book.js";

/** The part of a {@link Messenger} the session uses (a test may give a fake). */
export type ChatMessenger = Pick<Messenger, "clientId" | "createRoom" | "invite" | "remove" | "leave" | "send" | "members" | "rooms" | "sync" | "on">;

/** What {@link ChatSession.run} asks of the caller after a command. */
export type CommandOutcome = "continue" | "quit";

/** One person's chat: the current room, commands and events. */
export class ChatSession {
  readonly #messenger: ChatMessenger;
  readonly #book: RoomBook;
  readonly #print: (text: string) => void;
  /** Called when the current room changes (the prompt shows it). */
  onRoomChange: (() => void) | undefined;

  constructor(messenger: ChatMessenger, book: RoomBook, print: (text: string) => void) {
    this.#messenger = messenger;
    this.#book = book;
    this.#print = print;
    messenger.on("message", (e) => print(renderMessage(e)));
    messenger.on("joined", (e) => {
      print(renderJoined(e));
      if (this.#book.current === undefined) this.#switchTo(e.groupId, true);
    });
    messenger.on("members-changed", (e) => print(renderMembersChanged(e)));
    messenger.on("removed", (e) => {
      const wasCurrent = this.#book.current === e.groupId;
      this.#book.forget(e.groupId);
      // The prompt changes before the lines are printed (each print redraws it).
      if (wasCurrent) this.onRoomChange?.();
      print(renderRemoved(e));
      if (wasCurrent) print("you have no current room now: /rooms lists yours, /switch picks one");
    });
    messenger.on("error", (e) => print(renderError(e)));
  }

  /** The current room's label, for the prompt. */
  get currentLabel(): string | undefined {
    const current = this.#book.current;
    return current === undefined ? undefined : this.#book.label(current);
  }

  /** Checks the saved current room is still one of ours; picks the only room when there is exactly one. */
  async start(): Promise<void> {
    const rooms = await this.#messenger.rooms();
    const current = this.#book.current;
    if (current !== undefined && !rooms.includes(current)) this.#book.setCurrent(undefined);
    if (this.#book.current === undefined && rooms.length === 1) this.#book.setCurrent(rooms[0]);
    this.#print(
      rooms.length === 0
        ? "you are in no room yet: /create one, or wait to be invited (/help lists the commands)"
        : `your rooms: ${rooms.map((r) => this.#book.label(r)).join(", ")}${this.#book.current !== undefined ? `; current: ${this.#book.label(this.#book.current)}` : ""}`,
    );
  }

  /** Carries out a command; never throws (failures are printed). */
  async run(command: ChatCommand): Promise<CommandOutcome> {
    try {
      return (await this.#run(command)) ?? "continue";
    } catch (e) {
      this.#print(`could not ${verbOf(command)}: ${errorText(e)}`);
      return "continue";
    }
  }

  async #run(c: ChatCommand): Promise<CommandOutcome | void> {
    switch (c.kind) {
      case "invalid":
        return this.#print(c.reason);
      case "help":
        return this.#print(HELP);
      case "quit":
        return "quit";
      case "create": {
        const room = await this.#messenger.createRoom();
        if (c.name !== undefined) this.#book.setAlias(room, c.name);
        this.#switchTo(room, false);
        return this.#print(`created room ${this.#book.label(room)}; /invite someone to it`);
      }
      case "rooms": {
        const rooms = await this.#messenger.rooms();
        if (rooms.length === 0) return this.#print("you are in no room yet: /create one, or wait to be invited");
        for (const r of rooms) this.#print(`${r === this.#book.current ? "*" : " "} ${this.#book.label(r)}: ${listOfNames(await this.#messenger.members(r))}`);
        return;
      }
      case "switch": {
        const found = this.#book.find(await this.#messenger.rooms(), c.room);
        if ("problem" in found) return this.#print(found.problem);
        this.#switchTo(found.groupId, false);
        return this.#print(`now in room ${this.#book.label(found.groupId)}`);
      }
      case "sync":
        await this.#messenger.sync();
        return this.#print("up to date");
      default:
        return this.#inRoom(c, this.#room());
    }
  }

  async #inRoom(c: ChatCommand, room: string | undefined): Promise<void> {
    if (room === undefined) return this.#print("you have no current room: /create one, or /switch to one of /rooms");
    switch (c.kind) {
      case "say":
        await this.#messenger.send(room, c.text);
        return;
      case "members":
        return this.#print(`members of ${this.#book.label(room)}: ${listOfNames(await this.#messenger.members(room))}`);
      case "invite": {
        const r = await this.#messenger.invite(room, c.clientIds);
        if (r.alreadyMembers.length > 0) this.#print(`${listOfNames(r.alreadyMembers)} ${r.alreadyMembers.length === 1 ? "is" : "are"} in the room already`);
        for (const f of r.failed) this.#print(inviteFailureText(f.clientId, f.code));
        return;
      }
      case "remove": {
        if (c.clientIds.includes(this.#messenger.clientId)) return this.#print("to take yourself out of a room, use /leave");
        const r = await this.#messenger.remove(room, c.clientIds);
        if (r.notMembers.length > 0) this.#print(`${listOfNames(r.notMembers)} ${r.notMembers.length === 1 ? "is" : "are"} not in the room`);
        return;
      }
      case "leave":
        await this.#messenger.leave(room);
        // Alone in the room, it is simply forgotten (the `removed` event said so).
        if (!(await this.#messenger.rooms()).includes(room)) return;
        return this.#print(`asked to leave room ${this.#book.label(room)}: you are out once another member confirms it`);
      default:
        return;
    }
  }

  #room(): string | undefined {
    return this.#book.current;
  }

  #switchTo(groupId: string, announce: boolean): void {
    this.#book.setCurrent(groupId);
    this.onRoomChange?.();
    if (announce) this.#print(`now in room ${this.#book.label(groupId)}`);
  }
}

function verbOf(c: ChatCommand): string {
  switch (c.kind) {
    case "say":
      return "send the message";
    case "create":
      return "create the room";
    case "invite":
      return `invite ${listOfNames(c.clientIds)}`;
    case "remove":
      return `remove ${listOfNames(c.clientIds)}`;
    case "leave":
      return "leave the room";
    case "members":
      return "list the members";
    case "rooms":
      return "list the rooms";
    case "switch":
      return "switch rooms";
    case "sync":
      return "sync";
    default:
      return "do that";
  }
}
