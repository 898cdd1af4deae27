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
import { functionZips, SHIPPED_STORE } from "./function-zips.ts";
import { PACKAGE_ROOT } from "./package-root.ts";
import { formatSize } from "./packager.ts";

/** The folders compiled into dist/ (tests and the bench stay out of the package). */
export const COMPILED_FOLDERS = ["cli", "handlers", "build", "local"];
export const DIST = join(PACKAGE_ROOT, "dist");

/** Compiles the TypeScript into `outDir` with tsconfig.build.json and copies every other file beside it. */
export async function compile(outDir = DIST): Promise<void> {
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

async function main(): Promise<void> {
  await rm(DIST, { recursive: true, force: true });
  await compile();
  console.log(`compiled ${COMPILED_FOLDERS.join(", ")} into ${relative(PACKAGE_ROOT, DIST)}/`);
  const zips = await functionZips({ target: "lambda", arch: "arm64", store: SHIPPED_STORE, rebuild: true });
  for (const zip of zips) {
    console.log(
      `${relative(PACKAGE_ROOT, zip.zipPath).padEnd(48)} ${formatSize(zip.bytes).padStart(8)} ${zip.arch}`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`prepack failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
