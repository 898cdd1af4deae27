// Turns function specs into Lambda zips: bundle, add fonts and the native canvas library, zip
// deterministically in a staging folder, check the size, then move every zip into place at once.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { bundleHandler } from "./bundle.ts";
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

export async function packageSpecs(specs: FunctionSpec[], options: PackagerOptions): Promise<PackagedZip[]> {
  await mkdir(options.outDir, { recursive: true });
  // Staging inside outDir keeps the final rename on one file system.
  const staging = await mkdtemp(join(options.outDir, ".staging-"));
  try {
    const staged: PackagedZip[] = [];
    for (const spec of specs) staged.push(await packageOne(spec, options, staging));
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

async function packageOne(
  spec: FunctionSpec,
  options: PackagerOptions,
  staging: string,
): Promise<PackagedZip> {
  const entries: ZipEntry[] = [
    { name: "index.mjs", data: await bundleHandler({ entry: spec.entry, projectRoot: options.projectRoot }) },
    ...(await fontEntries(spec.fonts)),
  ];
  if (spec.nativeCanvas) entries.push(...(await canvasZipEntries(options.canvasTarget, options.cacheDir)));

  const zipPath = join(staging, `${spec.name}.zip`);
  await writeDeterministicZip(entries, zipPath);
  const zip = await readFile(zipPath);
  if (zip.length > spec.maxZipBytes) {
    throw new Error(
      `${spec.name}.zip is ${formatSize(zip.length)}, over its limit of ${formatSize(spec.maxZipBytes)}: ` +
        "look for a dependency that should not be bundled or shipped",
    );
  }
  return {
    name: spec.name,
    zipPath,
    bytes: zip.length,
    unzippedBytes: entries.reduce((sum, entry) => sum + entry.data.length, 0),
    codeSha256: createHash("sha256").update(zip).digest("base64"),
    handler: "index.handler",
    arch: options.arch,
  };
}

// The chart registers its font from `fonts/` next to the bundle: a Lambda has no system fonts.
async function fontEntries(fonts: string[]): Promise<ZipEntry[]> {
  if (fonts.length === 0) return [];
  const fontDir = join(
    dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")),
    "ttf",
  );
  return Promise.all(
    fonts.map(async (font) => ({ name: `fonts/${font}`, data: await readFile(join(fontDir, font)) })),
  );
}

export function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
