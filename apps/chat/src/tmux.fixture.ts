/**
 * Test support: a private tmux server (its own socket, so nobody's sessions
 * are touched) whose windows run shells; keys are typed into them and the
 * screen is read back until the expected text shows up.
 */
import { execFileSync } from "node:child_process";

/** Where tmux is, or undefined. */
export function tmuxPath(): string | undefined {
  for (const p of ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"]) {
    try {
      execFileSync(p, ["-V"], { stdio: "pipe" });
      return p;
    } catch {
      // Not there.
    }
  }
  return undefined;
}

/** One tmux session on a private socket, one window per name. */
export class TmuxSession {
  readonly #bin: string;
  readonly #socket = `mlskit-chat-test-${process.pid}-${Date.now()}`;
  readonly #session = "chat";
  #started = false;

  constructor(bin: string) {
    this.#bin = bin;
  }

  #tmux(args: readonly string[]): string {
    return execFileSync(this.#bin, ["-L", this.#socket, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  }

  /** Opens a window running a plain shell (the session itself with the first one). */
  openWindow(name: string, cwd: string): void {
    const shell = ["env", "PS1=$ ", "bash", "--norc", "--noprofile"];
    if (!this.#started) {
      this.#tmux(["new-session", "-d", "-s", this.#session, "-n", name, "-x", "220", "-y", "60", "-c", cwd, ...shell]);
      this.#tmux(["set-option", "-t", this.#session, "history-limit", "10000"]);
      this.#started = true;
    } else {
      this.#tmux(["new-window", "-d", "-t", this.#session, "-n", name, "-c", cwd, ...shell]);
    }
  }

  /** Types a line (literally) and Enter. */
  type(window: string, line: string): void {
    this.#tmux(["send-keys", "-t", `${this.#session}:${window}`, "-l", line]);
    this.#tmux(["send-keys", "-t", `${this.#session}:${window}`, "Enter"]);
  }

  /** The window's text, scrollback included, wrapped lines joined. */
  screen(window: string): string {
    return this.#tmux(["capture-pane", "-p", "-J", "-S", "-10000", "-t", `${this.#session}:${window}`]);
  }

  /**
   * Waits until the window shows `expected` (after the last occurrence of
   * `after`, when given); returns the first match.
   * @throws Error with the screen after `timeoutMs`.
   */
  async waitFor(window: string, expected: string | RegExp, options: { after?: string; timeoutMs?: number } = {}): Promise<string> {
    const end = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      let text = this.screen(window);
      if (options.after !== undefined) {
        const at = text.lastIndexOf(options.after);
        text = at < 0 ? "" : text.slice(at + options.after.length);
      }
      const found = typeof expected === "string" ? (text.includes(expected) ? expected : undefined) : expected.exec(text)?.[0];
      if (found !== undefined) return found;
      if (Date.now() > end) throw new Error(`window ${window}: timed out waiting for ${String(expected)}; its screen:\n${this.screen(window)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kills the whole tmux server of this session (every window's processes get SIGHUP). */
  kill(): void {
    if (!this.#started) return;
    try {
      this.#tmux(["kill-server"]);
    } catch {
      // Already gone.
    }
  }
}
