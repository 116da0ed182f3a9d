/** Rendering of the chat's lists: rooms, messages and members (text only, never HTML from data). */
import type { MemberView, MessageView, RoomView } from "../worker-api.js";
import { el } from "./dom.js";

/** The rooms list; `onPick` is called with a room's id. */
export function renderRooms(list: HTMLElement, rooms: readonly RoomView[], current: string | undefined, unread: ReadonlySet<string>, onPick: (id: string) => void): void {
  list.replaceChildren(
    ...rooms.map((r) => {
      const button = el("button", { type: "button", "data-testid": "room", "data-room-id": r.id, "aria-current": String(r.id === current), title: r.id }, r.name);
      if (unread.has(r.id)) button.classList.add("unread");
      button.addEventListener("click", () => onPick(r.id));
      return el("li", {}, button);
    }),
  );
  if (rooms.length === 0) list.replaceChildren(el("li", { class: "muted" }, "No rooms yet: create one, or wait to be invited."));
}

function time(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** One line of history. */
export function messageItem(m: MessageView): HTMLLIElement {
  if (m.kind === "note") return el("li", { class: "note", "data-testid": "note" }, `${m.text} (${time(m.at)})`);
  return el(
    "li",
    { class: m.mine ? "mine" : "theirs", "data-testid": "message", "data-sender": m.sender ?? "" },
    el("span", { class: "sender" }, m.sender ?? ""),
    el("span", { class: "text", "data-testid": "message-text" }, m.text),
    el("span", { class: "muted" }, ` ${time(m.at)}`),
  );
}

/** Appends a line and scrolls to it. */
export function appendMessage(list: HTMLElement, m: MessageView): void {
  list.append(messageItem(m));
  list.scrollTop = list.scrollHeight;
}

/** A moment of a validity period, kept on one line. */
function moment(iso: string): HTMLSpanElement {
  return el("span", { class: "nowrap" }, iso === "" ? "?" : new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }));
}

function removeButton(name: string, onRemove: (name: string) => void): HTMLButtonElement {
  const button = el("button", { type: "button", class: "remove", "data-testid": "remove-member", title: `Remove ${name} from this room` }, "Remove");
  button.addEventListener("click", () => onRemove(name));
  return button;
}

/** The members panel: each member's X.509 credential (subject, issuer, validity); `onRemove` is called with another member's name. */
export function renderMembers(list: HTMLElement, members: readonly MemberView[], onRemove: (name: string) => void): void {
  list.replaceChildren(
    ...members.map((m) =>
      el(
        "li",
        { "data-testid": "member", "data-name": m.name },
        el("div", { class: "member-head" }, el("strong", {}, m.name), m.me ? el("span", { class: "muted" }, "(you)") : removeButton(m.name, onRemove)),
        el(
          "dl",
          {},
          el("dt", {}, "Subject"),
          el("dd", { "data-testid": "subject" }, m.subject || "?"),
          el("dt", {}, "Issuer"),
          el("dd", { "data-testid": "issuer" }, m.issuer || "?"),
          el("dt", {}, "Valid"),
          el("dd", { "data-testid": "validity" }, moment(m.notBefore), " – ", moment(m.notAfter)),
        ),
        m.valid
          ? el("span", { class: "verified", "data-testid": "verified" }, "✓ credential verified against the Authentication Service")
          : el("span", { class: "problem", "data-testid": "problem" }, m.problem ?? "credential not verified"),
      ),
    ),
  );
}
