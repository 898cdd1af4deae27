// `npm pack` / `npm publish` run this first (prepack): the package users install is compiled
// JavaScript with its assets, plus the functions' bundles and Lambda zips, so their machine needs
// neither TypeScript nor a bundler, and setup finds the zips ready.
//
// tsc rather than a bundler for the CLI: it keeps one output file per source file, so the files the
// local cloud finds next to its modules (the runtime client, any data file) are where the code looks
// for them, and commands still load lazily, which keeps `s3size --help` quick.
import { execFile } from "node:child_process";
import { cp, readdir, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { functionZips } from "./function-zips.ts";
import { PACKAGE_ROOT } from "./package-root.ts";
import { formatSize } from "./packager.ts";

/** The folders compiled into dist/ (tests and the bench stay out of the package). */
export const COMPILED_FOLDERS = ["cli", "handlers", "build", "local"];
/** Compiles the TypeScript into `outDir` with tsconfig.build.json and copies every other file beside it. */
export async function compile(outDir: string): Promise<void> {
  const tsc = join(PACKAGE_ROOT, "node_modules", "typescript", "bin", "tsc");
  try {
    await promisify(execFile)(
      process.execPath,
      [tsc, "-p", join(PACKAGE_ROOT, "tsconfig.build.json"), "--outDir", outDir],
      { cwd: PACKAGE_ROOT },
    );
  } catch (error) {
    const { stdout, message } = error as { stdout?: string; message: string };
    throw new Error(`tsc failed:\n${stdout || message}`);
  }
  for (const folder of COMPILED_FOLDERS) await copyAssets(join(PACKAGE_ROOT, folder), join(outDir, folder));
}

/** Files that are not TypeScript (e.g. local/lambda/runtime-client.mjs) ship as they are. */
async function copyAssets(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name.endsWith(".ts")) continue;
    const source = join(entry.parentPath, entry.name);
    await cp(source, join(to, relative(from, source)));
  }
}

/** What the package holds besides dist/ (package.json "files"), copied when staging it elsewhere. */
const PACKAGE_FILES = ["bin", "package.json", "LICENSE", "README.md", ".env.example"];

/**
 * Builds the package at `root`: this checkout (npm pack), or a copy of it elsewhere (the bench runs
 * the CLI from such a copy, to time what users run). Resolves to the shipped zips.
 */
export async function preparePackage(root = PACKAGE_ROOT, log: (line: string) => void = () => {}) {
  const dist = join(root, "dist");
  await rm(dist, { recursive: true, force: true });
  await compile(dist);
  if (root !== PACKAGE_ROOT) {
    for (const file of PACKAGE_FILES)
      await cp(join(PACKAGE_ROOT, file), join(root, file), { recursive: true });
  }
  log(`compiled ${COMPILED_FOLDERS.join(", ")} into ${relative(PACKAGE_ROOT, dist)}/`);
  const store = join(dist, "functions");
  const zips = await functionZips({ target: "lambda", arch: "arm64", store, shipped: store, rebuild: true });
  for (const zip of zips) {
    log(`${relative(PACKAGE_ROOT, zip.zipPath).padEnd(48)} ${formatSize(zip.bytes).padStart(8)} ${zip.arch}`);
  }
  return zips;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  preparePackage(PACKAGE_ROOT, (line) => console.log(line)).catch((error: unknown) => {
    console.error(`prepack failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
