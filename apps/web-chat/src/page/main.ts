/**
 * The page: forms and lists only. Every MLS operation, key and state lives
 * in the chat worker; the page asks it (ChatWorker) and shows its answers,
 * its events, and its errors as sentences.
 */
import type { MeView, RoomView, WorkerEvent } from "../worker-api.js";
import { byId, byTestId, field } from "./dom.js";
import { appendMessage, messageItem, renderMembers, renderRooms } from "./render.js";
import { ChatWorker, WorkerCallError } from "./worker-client.js";

const signinSection = byId("signin");
const chatSection = byId("chat");
const errorLine = byId("error");
const statusLine = byId("status");
const roomsList = byTestId("rooms");
const messagesList = byTestId("messages");
const membersList = byTestId("members");
const roomTitle = byTestId("room-title");
const signinForm = byId<HTMLFormElement>("signin-form");
const createForm = byId<HTMLFormElement>("create-form");
const sendForm = byId<HTMLFormElement>("send-form");
const inviteForm = byId<HTMLFormElement>("invite-form");
const leaveButton = byId<HTMLButtonElement>("leave");

let rooms: readonly RoomView[] = [];
let current: string | undefined;
const unread = new Set<string>();

function showError(text: string): void {
  errorLine.textContent = text;
  errorLine.hidden = false;
}
function clearError(): void {
  errorLine.hidden = true;
  errorLine.textContent = "";
}
function status(text: string): void {
  statusLine.textContent = text;
}

/** Runs a user action: clears the last error, shows the failure's sentence. */
async function action(fn: () => Promise<void>): Promise<void> {
  clearError();
  try {
    await fn();
  } catch (e) {
    showError(e instanceof WorkerCallError ? e.view.text : "Something went wrong in the page: reload it and try again.");
    if (!(e instanceof WorkerCallError)) console.error(e);
  }
}

const worker = new ChatWorker(onEvent, (message) => {
  showError(`The chat stopped working (${message}): reload the page.`);
  console.error(`chat worker: ${message}`);
});

function roomName(id: string): string {
  return rooms.find((r) => r.id === id)?.name ?? id.slice(0, 8);
}

function setRoomControls(enabled: boolean): void {
  for (const input of [field(sendForm, "text"), field(inviteForm, "invitee")]) input.disabled = !enabled;
  for (const button of [byTestId<HTMLButtonElement>("send"), byTestId<HTMLButtonElement>("invite"), leaveButton]) button.disabled = !enabled;
}

function drawRooms(): void {
  renderRooms(roomsList, rooms, current, unread, (id) => void action(() => openRoom(id)));
}

async function refreshRooms(): Promise<void> {
  rooms = await worker.call("rooms", {});
  if (current !== undefined && !rooms.some((r) => r.id === current)) closeRoom();
  drawRooms();
}

async function refreshMembers(): Promise<void> {
  if (current === undefined) return;
  const roomId = current;
  const members = await worker.call("members", { roomId });
  if (current === roomId) renderMembers(membersList, members, (name) => void action(() => removeMember(roomId, name)));
}

async function removeMember(roomId: string, name: string): Promise<void> {
  const outcome = await worker.call("remove", { roomId, names: [name] });
  status([...outcome.removed.map((n) => `${n} was removed.`), ...outcome.notMembers.map((n) => `${n} was not in this room any more.`)].join(" "));
  if (current === roomId) await refreshMembers();
}

async function openRoom(id: string): Promise<void> {
  current = id;
  unread.delete(id);
  drawRooms();
  roomTitle.textContent = roomName(id);
  setRoomControls(true);
  const history = await worker.call("history", { roomId: id });
  if (current !== id) return;
  messagesList.replaceChildren(...history.map(messageItem));
  messagesList.scrollTop = messagesList.scrollHeight;
  await refreshMembers();
}

function closeRoom(): void {
  current = undefined;
  roomTitle.textContent = "No room selected";
  messagesList.replaceChildren();
  membersList.replaceChildren();
  setRoomControls(false);
}

function showChat(me: MeView, list: readonly RoomView[]): void {
  signinSection.hidden = true;
  chatSection.hidden = false;
  byId("whoami").hidden = false;
  byTestId("me").textContent = me.name;
  byTestId("key-mode").textContent = me.keys === "non-extractable" ? "(keys: non-extractable, in this browser)" : "(keys: stored as bytes)";
  rooms = list;
  drawRooms();
  status(list.length === 0 ? "Create a room, or wait for someone to invite you." : "Pick a room.");
}

function onEvent(event: WorkerEvent): void {
  switch (event.kind) {
    case "message":
      if (event.message.roomId === current) appendMessage(messagesList, event.message);
      else if (!event.message.mine) {
        unread.add(event.message.roomId);
        drawRooms();
      }
      return;
    case "joined":
      status(`${event.by} added you to a room.`);
      void action(async () => {
        await refreshRooms();
        if (current === undefined) await openRoom(event.room.id);
      });
      return;
    case "members-changed":
      if (event.roomId === current) void action(refreshMembers);
      return;
    case "removed":
      status(event.left ? `You are no longer in ${event.roomName}.` : `You were removed from “${event.roomName}” by another member: you no longer receive its messages.`);
      if (event.roomId === current) closeRoom();
      void action(refreshRooms);
      return;
    case "error":
      showError(event.error.text);
      return;
  }
}

signinForm.addEventListener("submit", (e) => {
  e.preventDefault();
  void action(async () => {
    status("Signing in…");
    const { me, rooms: list } = await worker.call("signIn", { name: field(signinForm, "name").value, token: field(signinForm, "token").value });
    showChat(me, list);
  }).finally(() => {
    if (chatSection.hidden) status("");
  });
});

createForm.addEventListener("submit", (e) => {
  e.preventDefault();
  void action(async () => {
    const input = field(createForm, "room");
    const room = await worker.call("createRoom", { name: input.value });
    input.value = "";
    await refreshRooms();
    await openRoom(room.id);
    status(`Room ${room.name} created: invite people by name.`);
  });
});

sendForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const roomId = current;
  if (roomId === undefined) return;
  void action(async () => {
    const input = field(sendForm, "text");
    const message = await worker.call("send", { roomId, text: input.value });
    input.value = "";
    if (current === roomId) appendMessage(messagesList, message);
  });
});

inviteForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const roomId = current;
  if (roomId === undefined) return;
  void action(async () => {
    const input = field(inviteForm, "invitee");
    const names = input.value.split(/[\s,]+/).filter((n) => n !== "");
    const outcome = await worker.call("invite", { roomId, names });
    const done = [...outcome.added.map((n) => `${n} was added.`), ...outcome.alreadyMembers.map((n) => `${n} is in this room already.`)];
    status(done.join(" "));
    if (outcome.failures.length > 0) showError(outcome.failures.join(" "));
    else input.value = "";
    await refreshMembers();
  });
});

leaveButton.addEventListener("click", () => {
  const roomId = current;
  if (roomId === undefined) return;
  void action(async () => {
    await worker.call("leave", { roomId });
    status(`Leaving ${roomName(roomId)}: you are out once another member confirms it.`);
  });
});

void action(async () => {
  const restored = await worker.call("restore", {});
  if (restored === null) {
    signinSection.hidden = false;
    status("Sign in with your name. The first time, you also need the registration token.");
    return;
  }
  showChat(restored.me, restored.rooms);
});
