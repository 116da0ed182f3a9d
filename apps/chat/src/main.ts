#!/usr/bin/env node
/**
 * The command-line chat: `npm run chat -- --server URL --name alice`.
 * Registers with the Authentication Service on the first run (or restores
 * the client from the data dir), connects to the Delivery Service — which
 * hands over what arrived while it was away — and reads commands and
 * messages at a prompt.
 */
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Messenger, type WebSocketConstructor } from "@mlskit/ds-client";
import WebSocket from "ws";
import { ChatSession } from "./chat-session.js";
import { ChatOptionsError, USAGE, parseChatOptions } from "./cli-options.js";
import { parseCommand } from "./commands.js";
import { errorText } from "./error-text.js";
import { DATA_FILES, IdentitySetupError, setUpIdentity } from "./identity-setup.js";
import { RoomBook } from "./room-book.js";

// Node 20 flags WebCrypto's X25519/Ed25519 as experimental on every use: noise in a chat window.
process.removeAllListeners("warning");

async function main(): Promise<number> {
  let options;
  try {
    options = parseChatOptions(process.argv.slice(2), process.env, process.cwd());
  } catch (e) {
    process.stderr.write(`${e instanceof ChatOptionsError ? e.message : errorText(e)}\n${USAGE}\n`);
    return 2;
  }
  const say = (text: string): void => void process.stdout.write(`${text}\n`);

  let identity;
  try {
    identity = await setUpIdentity(options);
  } catch (e) {
    say(`cannot start: ${e instanceof IdentitySetupError ? e.message : errorText(e)}`);
    return 1;
  }
  if (identity.registered) say(`registered ${options.name} with the Authentication Service; your keys are in ${options.dataDir}`);

  let messenger: Messenger;
  try {
    messenger = await Messenger.open({
      serverUrl: options.serverUrl,
      client: identity.client,
      clientId: options.name,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      pollIntervalMs: 2_000,
    });
  } catch (e) {
    await identity.store.close();
    say(`cannot connect to the Delivery Service at ${options.serverUrl}: ${errorText(e)}`);
    return 1;
  }

  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  // A line printed while the person types: clear the prompt, print, redraw the prompt and what was typed.
  const print = (text: string): void => {
    if (interactive) process.stdout.write("\r\x1b[K");
    process.stdout.write(`${text}\n`);
    if (interactive) rl.prompt(true);
  };
  const session = new ChatSession(messenger, new RoomBook(join(options.dataDir, DATA_FILES.rooms)), print);
  const setPrompt = (): void => rl.setPrompt(`${session.currentLabel ?? "no room"}> `);
  session.onRoomChange = setPrompt;
  setPrompt();

  let finished = false;
  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((r) => (resolveDone = r));
  const finish = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    rl.close();
    await messenger.close().catch(() => undefined);
    await identity.store.close().catch(() => undefined);
    say("bye: your keys and rooms are kept, start again to carry on");
    resolveDone(0);
  };

  print(`connected to ${options.serverUrl} as ${options.name} (/help lists the commands)`);
  try {
    await session.start();
  } catch (e) {
    print(`problem: ${errorText(e)}`);
  }
  // Lines run one after another, in the order typed.
  let queue = Promise.resolve();
  rl.on("line", (line) => {
    queue = queue.then(async () => {
      if (finished) return;
      const command = parseCommand(line);
      if (command !== undefined && (await session.run(command)) === "quit") return finish();
      if (interactive) rl.prompt();
    });
  });
  rl.on("close", () => void queue.then(finish));
  rl.on("SIGINT", () => void finish());
  process.on("SIGTERM", () => void finish());
  if (interactive) rl.prompt();
  return done;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stdout.write(`the chat stopped: ${errorText(e)}\n`);
    process.exit(1);
  },
);
