/**
 * The Messenger's events as lines for a person: `[ab12cd34] bob: hi`,
 * joins, member changes, removals and errors in plain words.
 */
import type { ErrorEvent, JoinedEvent, MembersChangedEvent, MessageEvent, RemovedEvent } from "@mlskit/ds-client";
import { errorText } from "./error-text.js";
import { shortId } from "./room-book.js";

const decoder = new TextDecoder("utf-8");

/** `a`, `a and b`, `a, b and c`. */
export function listOfNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]!}`;
}

/** Control characters (escape sequences a sender could use to repaint the terminal) shown as `?`. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "?");
}

/** An application message: `[ab12cd34] bob: hello`. */
export function renderMessage(e: MessageEvent): string {
  return `[${shortId(e.groupId)}] ${e.sender}: ${printable(decoder.decode(e.data))}`;
}

/** This client joined a room. */
export function renderJoined(e: JoinedEvent): string {
  return `[${shortId(e.groupId)}] you joined room ${shortId(e.groupId)} (added by ${e.by})`;
}

/** Members added to or removed from a room (by anyone's Commit, this client's included). */
export function renderMembersChanged(e: MembersChangedEvent): string {
  const room = `[${shortId(e.groupId)}]`;
  const parts: string[] = [];
  if (e.added.length > 0) parts.push(`${listOfNames(e.added)} joined the room`);
  if (e.removed.length > 0) parts.push(`${listOfNames(e.removed)} left the room`);
  return `${room} ${parts.join("; ")}`;
}

/** This client is no longer in a room. */
export function renderRemoved(e: RemovedEvent): string {
  return `[${shortId(e.groupId)}] you are no longer in room ${shortId(e.groupId)}`;
}

/** Something failed in the background. */
export function renderError(e: ErrorEvent): string {
  const where = e.groupId !== undefined ? `[${shortId(e.groupId)}] ` : "";
  return `${where}problem: ${errorText(e)}`;
}
