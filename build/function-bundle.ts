// A function's target-independent part, kept as a folder: index.mjs (the handler bundled with the AWS
// SDK inside) and fonts/, with bundle.json naming every file it was built from. Zips for any target are
// assembled from such a folder, so an installed package ships these and never needs a bundler.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import type { FunctionSpec } from "./functions.ts";
import { hashFiles, hashOf, sha256 } from "./inputs.ts";
import type { ZipEntry } from "./zip.ts";

export const BUNDLE_RECORD = "bundle.json";

export interface BundleRecord {
  name: string;
  /** Files the bundle was built from, relative to the project root. */
  inputs: string[];
  inputsHash: string;
  /** Hash of the folder's files: what a zip assembled from it depends on. */
  contentHash: string;
}

/** The build's own code and tools are inputs too: a change of bundler options must rebuild. */
const BUILD_INPUTS = ["build/bundle.ts", "build/function-bundle.ts", "node_modules/esbuild/package.json"];

/** Bundles `spec` with esbuild (a development dependency: only a source checkout gets here) into `dir`. */
export async function buildBundleDir(
  spec: FunctionSpec,
  dir: string,
  projectRoot: string,
  seen?: Map<string, Promise<string>>,
): Promise<BundleRecord> {
  const { bundleWithInputs } = await import("./bundle.ts");
  const bundle = await bundleWithInputs({ entry: spec.entry, projectRoot });
  const fonts = spec.fonts.map((font) => join(fontDir(), font));
  const entries: ZipEntry[] = [
    { name: "index.mjs", data: bundle.code },
    ...(await Promise.all(
      spec.fonts.map(async (font, i) => ({ name: `fonts/${font}`, data: await readFile(fonts[i]!) })),
    )),
  ];
  const inputs = [
    ...new Set([...bundle.inputs, ...fonts.map((path) => relative(projectRoot, path)), ...BUILD_INPUTS]),
  ].sort();
  const record: BundleRecord = {
    name: spec.name,
    inputs,
    inputsHash: await hashFiles(projectRoot, inputs, seen),
    contentHash: contentHash(entries),
  };
  // Written beside the target and renamed over it, so a folder is never seen half-written.
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  for (const entry of entries) {
    await mkdir(dirname(join(staging, entry.name)), { recursive: true });
    await writeFile(join(staging, entry.name), entry.data);
  }
  await writeFile(join(staging, BUNDLE_RECORD), `${JSON.stringify(record, null, 2)}\n`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  await rename(staging, dir);
  return record;
}

export function readBundleRecord(dir: string): BundleRecord | undefined {
  const path = join(dir, BUNDLE_RECORD);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as BundleRecord;
  } catch {
    return undefined; // a damaged cache entry is rebuilt, not trusted
  }
}

/** The files of a bundle folder, as zip entries (everything but its record). */
export async function readBundleEntries(dir: string): Promise<ZipEntry[]> {
  const names: string[] = [];
  const walk = async (sub: string) => {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true })) {
      const name = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(name);
      else if (name !== BUNDLE_RECORD) names.push(name);
    }
  };
  await walk("");
  return Promise.all(names.map(async (name) => ({ name, data: await readFile(join(dir, name)) })));
}

export function contentHash(entries: ZipEntry[]): string {
  return hashOf(
    [...entries].sort((a, b) => (a.name < b.name ? -1 : 1)).map((entry) => [entry.name, sha256(entry.data)]),
  );
}

// The chart registers its font from `fonts/` next to the bundle: a Lambda has no system fonts.
function fontDir(): string {
  return join(dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")), "ttf");
}
