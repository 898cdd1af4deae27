// Turns function specs into Lambda zips: bundle, add fonts and the native canvas library, zip
// deterministically in a staging folder, check the size, then move every zip into place at once.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { buildBundleDir, readBundleEntries } from "./function-bundle.ts";
import type { FunctionSpec } from "./functions.ts";
import { type Architecture, type CanvasTarget, canvasZipEntries } from "./native-canvas.ts";
import { writeDeterministicZip, type ZipEntry } from "./zip.ts";

export interface PackagerOptions {
  outDir: string;
  arch: Architecture;
  /** Which native canvas binary goes into zips that need one. */
  canvasTarget: CanvasTarget;
  projectRoot: string;
  /** Where fetched platform packages are kept between builds. */
  cacheDir: string;
  /** zlib level, 0–9 (default 9). */
  level?: number;
}

export interface PackagedZip {
  name: string;
  zipPath: string;
  bytes: number;
  unzippedBytes: number;
  /** Base64 SHA-256 of the zip, the form Lambda reports as CodeSha256. */
  codeSha256: string;
  handler: "index.handler";
  arch: Architecture;
}

export interface AssembleOptions {
  zipPath: string;
  /** zlib level, 0–9 (default 9). */
  level?: number;
  arch: Architecture;
  canvasTarget: CanvasTarget;
  /** Where fetched platform packages are kept between builds. */
  cacheDir: string;
}

/** Bundles every spec afresh and zips it into `outDir` (`npm run package`, tests). */
export async function packageSpecs(specs: FunctionSpec[], options: PackagerOptions): Promise<PackagedZip[]> {
  await mkdir(options.outDir, { recursive: true });
  // Staging inside outDir keeps the final rename on one file system.
  const staging = await mkdtemp(join(options.outDir, ".staging-"));
  try {
    const staged: PackagedZip[] = [];
    for (const spec of specs) {
      const bundleDir = join(staging, "bundles", spec.name);
      await buildBundleDir(spec, bundleDir, options.projectRoot);
      staged.push(
        await assembleZip(spec, await readBundleEntries(bundleDir), {
          ...options,
          zipPath: join(staging, `${spec.name}.zip`),
        }),
      );
    }
    return await Promise.all(
      staged.map(async (zip) => {
        const zipPath = join(options.outDir, `${zip.name}.zip`);
        await rename(zip.zipPath, zipPath);
        return { ...zip, zipPath };
      }),
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** A bundle folder's files plus, for the plotting function, the canvas library for the target. */
export async function assembleZip(
  spec: FunctionSpec,
  bundleEntries: ZipEntry[],
  options: AssembleOptions,
): Promise<PackagedZip> {
  const entries = [...bundleEntries];
  if (spec.nativeCanvas) entries.push(...(await canvasZipEntries(options.canvasTarget, options.cacheDir)));
  await writeDeterministicZip(entries, options.zipPath, options.level);
  const zip = await readFile(options.zipPath);
  if (zip.length > spec.maxZipBytes) {
    await rm(options.zipPath, { force: true });
    throw new Error(
      `${spec.name}.zip is ${formatSize(zip.length)}, over its limit of ${formatSize(spec.maxZipBytes)}: ` +
        "look for a dependency that should not be bundled or shipped",
    );
  }
  return {
    name: spec.name,
    zipPath: options.zipPath,
    bytes: zip.length,
    unzippedBytes: entries.reduce((sum, entry) => sum + entry.data.length, 0),
    codeSha256: createHash("sha256").update(zip).digest("base64"),
    handler: "index.handler",
    arch: options.arch,
  };
}

export function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
