// The package as users get it: `npm pack` (which runs prepack), `npm install -g` of the tarball into a
// temporary prefix, then the installed `s3size` run from another folder. Takes about a minute: the
// install fetches the dependencies (from npm's cache after the first run).
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { PACKAGE_ROOT } from "../../build/package-root.ts";
import { DEMO_SLEEP_MS } from "../cli/run-cli.ts";
import { bareEnv, type ProcessRun, runProcess } from "../cli/run-process.ts";

const run = promisify(execFile);

/** Every file under `dir` with its size and modification time: what a write would change. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const stat = statSync(path);
    files.set(relative(dir, path), entry.isFile() ? `${stat.size} ${stat.mtimeMs}` : "dir");
  }
  return files;
}

describe("the packed package, installed globally into a prefix", function () {
  this.timeout(600_000);
  const work = mkdtempSync(join(tmpdir(), "s3size-installed-"));
  const prefix = join(work, "prefix");
  const elsewhere = join(work, "elsewhere");
  const installed = join(prefix, "lib", "node_modules", "s3size");
  let tarball: string;
  let entries: string[];
  const s3size = (args: string[]): Promise<ProcessRun> =>
    runProcess(args, { cwd: elsewhere, env: bareEnv(elsewhere), bin: join(prefix, "bin", "s3size") });

  before(async () => {
    mkdirSync(elsewhere);
    const packed = await run("npm", ["pack", "--json", "--pack-destination", work], {
      cwd: PACKAGE_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("[\n"))) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    tarball = join(work, report!.filename);
    entries = report!.files.map((file) => file.path);
    await run("npm", ["install", "--global", "--prefix", prefix, "--no-audit", "--no-fund", tarball], {
      cwd: work,
      maxBuffer: 64 * 1024 * 1024,
    });
  });

  after(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it("ships compiled JavaScript, the runtime's assets, the Lambda zips and LICENSE, and no TypeScript", () => {
    expect(entries).to.include.members([
      "LICENSE",
      "bin/s3size.js",
      "dist/cli/main.js",
      "dist/local/lambda/runtime-client.mjs",
      "dist/functions/zips/lambda-arm64/plotting.zip",
      "dist/functions/zips/lambda-arm64/size-tracking.zip",
      "dist/functions/zips/lambda-arm64/driver.zip",
      "dist/functions/bundles/plotting/index.mjs",
    ]);
    expect(entries.filter((path) => path.endsWith(".ts"))).to.deep.equal([]);
    expect(entries.filter((path) => path.startsWith("test/") || path.startsWith("bench/"))).to.deep.equal([]);
    expect(readFileSync(join(installed, "LICENSE"), "utf8")).to.match(/^MIT License/);
  });

  it("installs without a bundler or TypeScript among its dependencies", () => {
    for (const tool of ["esbuild", "tsx", "typescript"])
      expect(existsSync(join(installed, "node_modules", tool)), tool).to.equal(false);
  });

  it("prints the package's version from another folder", async () => {
    const result = await s3size(["--version"]);
    expect(result.stderr).to.equal("");
    expect(result.stdout).to.equal(
      `${JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")).version}\n`,
    );
  });

  it("runs `demo --local` from another folder: 18 → 27 → 0 → 2, plot.png, nothing written into the install", async () => {
    const before = snapshot(installed);
    const result = await s3size(["demo", "--local", "--sleep-ms", DEMO_SLEEP_MS]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout, result.stdout).to.include("sizes: 18 → 27 → 0 → 2 bytes");
    expect(existsSync(join(elsewhere, "plot.png"))).to.equal(true);
    expect(existsSync(join(elsewhere, ".s3size", "build", "zips"))).to.equal(true);
    const after = snapshot(installed);
    expect([...after].filter(([path, stamp]) => before.get(path) !== stamp)).to.deep.equal([]);
  });
});
