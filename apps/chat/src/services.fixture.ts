/**
 * Test support (Node): the real Authentication Service and Delivery Service
 * as child processes on 127.0.0.1, port 0, their URLs read from what they
 * print; apps built first when their `dist/main.js` is missing.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The monorepo's root. */
export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** An app's entry point (`apps/<app>/dist/main.js`). */
export function appMain(app: string): string {
  return join(ROOT, "apps", app, "dist", "main.js");
}

/** Builds an app (and what it references) with `tsc -b`; `always`: even when its `dist/main.js` exists. */
export function buildApp(app: string, always = false): void {
  if (!always && existsSync(appMain(app))) return;
  execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-b", join(ROOT, "apps", app)], { cwd: ROOT, stdio: "pipe" });
}

/** A service running as a child process. */
export interface RunningService {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts `node <main> <args>` and waits for the first http URL in its output. */
export function startService(main: string, args: readonly string[], timeoutMs = 20_000): Promise<RunningService> {
  const child: ChildProcess = spawn(process.execPath, [main, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => fail(new Error(`${main} printed no URL within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(e);
    };
    const read = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const url = /https?:\/\/127\.0\.0\.1:\d+/.exec(output)?.[0];
      if (url === undefined) return;
      clearTimeout(timer);
      child.stdout?.off("data", read);
      child.stdout?.resume();
      child.stderr?.resume();
      resolveUrl({ url, stop: () => stopChild(child) });
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", (c: Buffer) => void (output += c.toString("utf8")));
    child.once("exit", (code) => fail(new Error(`${main} exited (${code}) before listening:\n${output}`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const hard = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(hard);
      done();
    });
    child.kill("SIGTERM");
  });
}
