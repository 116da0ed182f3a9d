/**
 * What a person types at the chat prompt. A line starting with `/` is a
 * command; anything else is a message to the current room.
 */
export type ChatCommand =
  | { readonly kind: "create"; readonly name: string | undefined }
  | { readonly kind: "invite"; readonly clientIds: readonly string[] }
  | { readonly kind: "remove"; readonly clientIds: readonly string[] }
  | { readonly kind: "rooms" }
  | { readonly kind: "switch"; readonly room: string }
  | { readonly kind: "members" }
  | { readonly kind: "leave" }
  | { readonly kind: "sync" }
  | { readonly kind: "help" }
  | { readonly kind: "quit" }
  | { readonly kind: "say"; readonly text: string }
  | { readonly kind: "invalid"; readonly reason: string };

/** The help text, one command per line. */
export const HELP = [
  "/create [name]        create a room and switch to it",
  "/invite <id> [<id>…]  add people to the current room",
  "/remove <id> [<id>…]  remove people from the current room",
  "/rooms                list your rooms",
  "/switch <room>        make a room current (its name or the start of its id)",
  "/members              list the current room's members",
  "/leave                leave the current room",
  "/sync                 fetch anything the server holds for you",
  "/quit                 stop (your state is kept; start again to carry on)",
  "anything else         a message to the current room",
].join("\n");

const ID = /^[A-Za-z0-9._@-]{1,128}$/;

function ids(args: string[], verb: string): ChatCommand {
  if (args.length === 0) return { kind: "invalid", reason: `/${verb} needs at least one name` };
  const bad = args.find((a) => !ID.test(a));
  if (bad !== undefined) return { kind: "invalid", reason: `"${bad}" is not a valid name (letters, digits, . _ @ -)` };
  return { kind: verb as "invite" | "remove", clientIds: args };
}

/** Parses one input line. */
export function parseCommand(line: string): ChatCommand | undefined {
  const text = line.trim();
  if (text === "") return undefined;
  if (!text.startsWith("/")) return { kind: "say", text };
  const [verb = "", ...args] = text.slice(1).split(/\s+/);
  switch (verb.toLowerCase()) {
    case "create":
      return { kind: "create", name: args.length > 0 ? args.join(" ") : undefined };
    case "invite":
    case "remove":
      return ids(args, verb.toLowerCase());
    case "rooms":
    case "members":
    case "leave":
    case "sync":
    case "help":
    case "quit":
      return args.length === 0 ? { kind: verb.toLowerCase() as "rooms" } : { kind: "invalid", reason: `/${verb} takes no arguments` };
    case "switch":
      return args.length === 1 ? { kind: "switch", room: args[0]! } : { kind: "invalid", reason: "/switch takes one room" };
    default:
      return { kind: "invalid", reason: `unknown command /${verb} (try /help)` };
  }
}
