/**
 * The consumer test (issue 17): the packages as a user gets them from npm.
 *
 * 1. builds the library packages (turbo; cached when up to date);
 * 2. `pnpm pack`s every publishable package (packages/* not private) into a temp dir, as
 *    `changeset publish` would pack them (`workspace:*` rewritten to versions);
 * 3. creates a fresh project in the OS temp dir, outside the workspace, and `npm install`s the
 *    tarballs (`--prefer-offline`: third-party dependencies come from npm's cache when it has them;
 *    `--ignore-scripts`: better-sqlite3's native build is not needed to import or type-check it);
 * 4. type-checks the project in strict mode (`module: nodenext`, `skipLibCheck: false`, so our
 *    `.d.ts` files are checked as the user's compiler sees them): `project/src/main.ts`, an
 *    import of every `exports` entry point of every package, and every README example marked
 *    `<!-- consumer-test -->`;
 * 5. runs `main.ts`'s conversation (Client.create, createGroup, addMembers, joinFromWelcome,
 *    encrypt/processIncoming) with Node, then with Bun and Deno when their npm packages install
 *    (otherwise a skip with the reason).
 */
import { execFile, type ExecFileOptions } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../../", import.meta.url));
const here = fileURLToPath(new URL("../", import.meta.url));
const bin = (name: string) => join(root, "node_modules", ".bin", name);

/** Bun and Deno versions installed into the consumer project (their npm packages fetch the binary). */
export const RUNTIMES = { bun: "1.4.5", deno: "2.9.6" } as const;

interface Package {
  name: string;
  dir: string;
  folder: string;
  version: string;
  exports: Record<string, unknown>;
}

export function publishablePackages(): Package[] {
  const out: Package[] = [];
  for (const folder of readdirSync(join(root, "packages")).sort()) {
    const file = join(root, "packages", folder, "package.json");
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, "utf8")) as { name: string; version: string; private?: boolean; exports?: Record<string, unknown> };
    if (pkg.private) continue;
    out.push({ name: pkg.name, dir: join(root, "packages", folder), folder, version: pkg.version, exports: pkg.exports ?? { ".": {} } });
  }
  return out;
}

/** The environment for child npm/pnpm runs: without the `npm_*` variables of an enclosing `npm test`. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !/^npm_config_(cache|registry|userconfig)$/i.test(k)) continue;
    env[k] = v;
  }
  env.NODE_OPTIONS = "--disable-warning=ExperimentalWarning";
  // turbo looks for the package manager (pnpm, a root devDependency) on the PATH.
  env.PATH = [join(root, "node_modules", ".bin"), env.PATH ?? ""].join(delimiter);
  return env;
}

function run(file: string, args: string[], options: ExecFileOptions & { timeoutMs?: number } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: cleanEnv(), maxBuffer: 1 << 26, timeout: options.timeoutMs ?? 120_000, ...options, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${basename(file)} ${args.join(" ")} failed (${error.code ?? error.signal}):\n${stdout}${stderr}`.slice(0, 20_000)));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The `ts` code blocks of packages/<folder>/README.md that follow a `<!-- consumer-test -->` line. */
export function readmeExamples(): { file: string; code: string }[] {
  const out: { file: string; code: string }[] = [];
  for (const { dir, folder } of publishablePackages()) {
    const readme = join(dir, "README.md");
    if (!existsSync(readme)) continue;
    const re = /<!-- consumer-test -->\s*\n```ts\n([\s\S]*?)\n```/g;
    let i = 0;
    for (const m of readFileSync(readme, "utf8").matchAll(re)) out.push({ file: `readme-${folder}-${++i}.ts`, code: `${m[1]}\nexport {};\n` });
  }
  return out;
}

export interface ConsumerReport {
  lines: string[];
  timings: Record<string, number>;
  skipped: string[];
  project: string;
}

export async function runConsumerTest(options: { runtimes?: boolean; keep?: boolean; log?: (line: string) => void } = {}): Promise<ConsumerReport> {
  const log = options.log ?? ((l: string) => console.log(l));
  const report: ConsumerReport = { lines: [], timings: {}, skipped: [], project: "" };
  let t = performance.now();
  const lap = (step: string) => {
    const now = performance.now();
    report.timings[step] = Math.round(now - t);
    t = now;
  };
  const packages = publishablePackages();

  // 1. Build (turbo replays its cache when the sources did not change).
  await run(bin("turbo"), ["run", "build", "--output-logs=errors-only", ...packages.map((p) => `--filter=${p.name}`)], { cwd: root, timeoutMs: 300_000 });
  lap("build");

  // 2. Pack: one recursive `pnpm pack` (pnpm names each tarball <scope>-<name>-<version>.tgz).
  const base = mkdtempSync(join(tmpdir(), "mlskit-consumer-"));
  report.project = join(base, "project");
  const tarballs = join(base, "tarballs");
  mkdirSync(tarballs);
  await run(bin("pnpm"), ["-r", ...packages.map((p) => `--filter=${p.name}`), "pack", "--pack-destination", tarballs], { cwd: root });
  const packed = new Map<string, string>();
  for (const p of packages) {
    const tgz = join(tarballs, `${p.name.replace(/^@/, "").replace("/", "-")}-${p.version}.tgz`);
    if (!existsSync(tgz)) throw new Error(`pnpm pack made no ${basename(tgz)}`);
    packed.set(p.name, tgz);
  }
  lap("pack");

  // 3. A fresh project outside the workspace.
  const project = report.project;
  mkdirSync(join(project, "src"), { recursive: true });
  const dependencies = Object.fromEntries(packages.map((p) => [p.name, `file:${packed.get(p.name)}`]));
  // No @types of our dependencies here: a package whose public types name another's (storage-sqlite's name better-sqlite3's) must bring them.
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "mlskit-consumer", private: true, type: "module", dependencies }, null, 2));
  copyFileSync(join(here, "project", "tsconfig.json"), join(project, "tsconfig.json"));
  copyFileSync(join(here, "project", "src", "main.ts"), join(project, "src", "main.ts"));
  const specifiers = packages.flatMap((p) => Object.keys(p.exports).map((sub) => p.name + sub.slice(1)));
  writeFileSync(
    join(project, "src", "entries.ts"),
    specifiers.map((s, i) => `import * as m${i} from "${s}";`).join("\n") +
      `\n\n/** Every entry point of every package, by specifier. */\nexport const entryPoints: Record<string, object> = {\n${specifiers.map((s, i) => `  "${s}": m${i},`).join("\n")}\n};\n`,
  );
  const examples = readmeExamples();
  for (const e of examples) writeFileSync(join(project, "src", e.file), e.code);
  await run("npm", ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: project, timeoutMs: 180_000 });
  lap("install");

  // 4. Strict type-check (and emit, to run the same code).
  await run(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", project], { cwd: project });
  report.lines.push(
    `tsc --strict (module nodenext, skipLibCheck false): ${specifiers.length} entry points of ${packages.length} packages, main.ts and ${examples.length} README examples: no errors`,
  );
  lap("typecheck");

  // 5. Run.
  const node = await run(process.execPath, ["dist/main.js"], { cwd: project });
  report.lines.push(...node.stdout.trim().split("\n"));
  lap("node");
  if (options.runtimes !== false) {
    try {
      await run("npm", ["install", "--prefer-offline", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", `bun@${RUNTIMES.bun}`, `deno@${RUNTIMES.deno}`], {
        cwd: project,
        timeoutMs: 120_000,
      });
    } catch (e) {
      const why = String(e).split("\n")[0];
      report.skipped.push(`bun: its npm package did not install here (${why})`, `deno: its npm package did not install here (${why})`);
    }
    lap("install bun, deno");
    const runtimes: [string, string, string[]][] = [
      ["bun", join(project, "node_modules", ".bin", "bun"), ["dist/main.js"]],
      ["deno", join(project, "node_modules", ".bin", "deno"), ["run", "--allow-read", "--allow-env", "--allow-sys", "dist/main.js"]],
    ];
    for (const [name, exe, args] of runtimes) {
      if (report.skipped.some((s) => s.startsWith(`${name}:`))) continue;
      if (!existsSync(exe)) {
        report.skipped.push(`${name}: no binary after installing its npm package`);
        continue;
      }
      const env = { ...cleanEnv(), DENO_NO_UPDATE_CHECK: "1", DENO_DIR: join(base, "deno-dir"), NO_COLOR: "1" };
      const out = await run(exe, args, { cwd: project, env });
      report.lines.push(...out.stdout.trim().split("\n"));
      lap(name);
    }
  } else report.skipped.push("bun: not asked for", "deno: not asked for");

  for (const l of report.lines) log(l);
  for (const s of report.skipped) log(`skipped: ${s}`);
  log(
    `timings (ms): ${Object.entries(report.timings)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  if (!options.keep) rmSync(base, { recursive: true, force: true });
  return report;
}
