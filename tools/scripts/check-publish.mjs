#!/usr/bin/env node
// `npm run lint` (after the build): every publishable package is ready for npm.
// - metadata: LICENSE (the root's), README.md, repository (with its directory), engines.node,
//   a "files" list that ships dist and not src;
// - the tarball `pnpm pack` makes (as `changeset publish` will): no tests, fixtures, sources,
//   .tsbuildinfo, nor sourceMappingURL comments (no maps are shipped); then publint (strict: warnings fail) and @arethetypeswrong/cli (esm-only
//   profile: the packages are ESM-only on purpose, so "CJS requires ESM" is not reported).
// Usage: node tools/scripts/check-publish.mjs [package-folder ...]
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { publishablePackages, root } from "./publishable.mjs";

const run = promisify(execFile);
const only = process.argv.slice(2);
const packages = publishablePackages().filter(({ dir }) => only.length === 0 || only.includes(basename(dir)));
const bin = (name) => join(root, "node_modules", ".bin", name);
const license = readFileSync(join(root, "LICENSE"), "utf8");
const dest = mkdtempSync(join(tmpdir(), "mlskit-publish-"));
const failures = [];

async function check({ name, dir, pkg }) {
  const problems = [];
  const folder = dir.slice(root.length).replace(/\/$/, "");
  if (!existsSync(join(dir, "LICENSE")) || readFileSync(join(dir, "LICENSE"), "utf8") !== license)
    problems.push("LICENSE missing or not the root's (node tools/scripts/sync-licenses.mjs)");
  if (!existsSync(join(dir, "README.md"))) problems.push("README.md missing");
  if (pkg.license !== "MIT") problems.push(`"license" must be "MIT" (the root LICENSE)`);
  if (pkg.repository?.directory !== folder || !/github\.com\/mlskit\/mlskit/.test(pkg.repository?.url ?? ""))
    problems.push(`"repository" must name the mlskit repository with "directory": "${folder}"`);
  if (!pkg.engines?.node) problems.push(`"engines.node" missing`);
  if (!Array.isArray(pkg.files) || !pkg.files.includes("dist") || pkg.files.some((f) => /^src\b/.test(f))) problems.push(`"files" must ship dist and not src`);
  if (!existsSync(join(dir, "dist"))) problems.push("no dist (build first: npm run build)");
  if (problems.length) return { name, problems, out: "" };

  const out = [];
  const tgz = tarballOf(name, pkg.version);
  if (!existsSync(tgz)) return { name, problems: [`pnpm pack made no ${basename(tgz)}`], out: "" };
  const { stdout: list } = await run("tar", ["tzf", tgz]);
  const files = list
    .trim()
    .split("\n")
    .map((f) => f.replace(/^package\//, ""));
  for (const f of files) {
    if (/\.(test|fixture)\.|(^|\/)\.tsbuildinfo$|^src\/|\.ts$(?<!\.d\.ts)/.test(f)) problems.push(`tarball ships ${f}`);
  }
  for (const need of ["LICENSE", "README.md", "package.json"]) if (!files.includes(need)) problems.push(`tarball lacks ${need}`);
  // Maps are not shipped (tsconfig.base.json emits none), so no file may point at one.
  const code = files.filter((f) => /\.(js|d\.ts)$/.test(f)).map((f) => `package/${f}`);
  if (code.length) {
    const { stdout: text } = await run("tar", ["xzfO", tgz, ...code], { maxBuffer: 1 << 26 });
    if (text.includes("//# sourceMappingURL=")) problems.push("tarball ships //# sourceMappingURL comments (maps are not shipped)");
  }
  const packed = JSON.parse((await run("tar", ["xzfO", tgz, "package/package.json"], { maxBuffer: 1 << 20 })).stdout);
  for (const [k, v] of Object.entries({ ...packed.dependencies, ...packed.peerDependencies })) {
    if (String(v).startsWith("workspace:")) problems.push(`packed dependency ${k} is still ${v}`);
  }

  try {
    const r = await run(bin("publint"), ["run", tgz, "--strict"], { cwd: dir });
    const report = r.stdout.slice(r.stdout.indexOf("Linting...") + "Linting...".length).trim();
    out.push(`publint: ${report === "All good!" ? "all good" : report}`);
  } catch (e) {
    problems.push(`publint:\n${(e.stdout || "") + (e.stderr || "")}`.trim());
  }
  try {
    const r = await run(bin("attw"), [tgz, "--profile", "esm-only", "--format", "json"], { cwd: dir, maxBuffer: 1 << 26 });
    const { analysis } = JSON.parse(r.stdout);
    const entries = Object.keys(analysis.entrypoints ?? {});
    out.push(`attw: ${entries.length} entry point(s) ${entries.join(" ")} resolve with types under node16 (ESM) and bundler`);
  } catch (e) {
    // Exit code 1 with a JSON report: list the problems in the profile's resolutions.
    let detail = (e.stdout || "") + (e.stderr || "");
    try {
      const { analysis } = JSON.parse(e.stdout);
      const ignored = new Set(["node10", "node16-cjs"]);
      detail =
        (analysis.problems ?? [])
          .filter((p) => !p.resolutionKind || !ignored.has(p.resolutionKind))
          .map((p) => `${p.kind}${p.entrypoint ? ` at ${p.entrypoint}` : ""}${p.resolutionKind ? ` (${p.resolutionKind})` : ""}`)
          .join(", ") || detail;
    } catch {}
    problems.push(`attw: ${detail.trim()}`);
  }
  return { name, problems, out: `${files.length} files, ${out.join("; ").replace(/\s*\n\s*/g, " ")}` };
}

// One recursive `pnpm pack` of the packages whose metadata is complete (pnpm names each
// tarball <scope>-<name>-<version>.tgz), then two packages at a time through the checks.
const tarballOf = (name, version) => join(dest, `${name.replace(/^@/, "").replace("/", "-")}-${version}.tgz`);
const packable = packages.filter(({ dir }) => existsSync(join(dir, "dist")));
if (packable.length) await run(bin("pnpm"), ["-r", ...packable.map(({ name }) => `--filter=${name}`), "pack", "--pack-destination", dest], { cwd: root, maxBuffer: 1 << 24 });
// Two at a time (pack, publint and attw are each a process; this machine has two cores).
const queue = [...packages];
const results = [];
await Promise.all(
  [0, 1].map(async () => {
    for (let p = queue.shift(); p; p = queue.shift()) results.push(await check(p));
  }),
);
for (const r of results.sort((a, b) => a.name.localeCompare(b.name))) {
  if (r.problems.length) {
    failures.push(r.name);
    console.error(`${r.name}: ${r.problems.length} problem(s)\n  ${r.problems.join("\n  ")}`);
  } else console.log(`${r.name}: ok (${r.out})`);
}
rmSync(dest, { recursive: true, force: true });
if (failures.length) {
  console.error(`check-publish: ${failures.length} of ${results.length} package(s) not ready: ${failures.join(", ")}`);
  process.exit(1);
}
console.log(`check-publish: ${results.length} packages packed; metadata, contents, publint and attw clean`);
