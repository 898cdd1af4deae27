// The zips setup deploys, without packaging anything that has not changed. A zip is found by the
// hash of its inputs in two stores with one layout: the package's own (dist/functions, built when it
// was packed) and the state dir's (built on this machine); only the state dir's is ever written.
//
//   <store>/bundles/<function>/{index.mjs, fonts/, bundle.json}
//   <store>/zips/<target>-<arch>/<function>.zip (+ .zip.json, the record written last)
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type BundleRecord, buildBundleDir, readBundleEntries, readBundleRecord } from "./function-bundle.ts";
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName, type FunctionSpec } from "./functions.ts";
import { hashFiles, hashOf } from "./inputs.ts";
import {
  type Architecture,
  type CanvasTarget,
  canvasVersion,
  hostArchitecture,
  hostCanvasTarget,
  lambdaCanvasTarget,
  platformPackageCache,
} from "./native-canvas.ts";
import { PACKAGE_ROOT, RUNS_FROM_SOURCE } from "./package-root.ts";
import { assembleZip, type PackagedZip } from "./packager.ts";

/** The package's own store: filled by `npm pack` (prepack), read-only afterwards. */
export const SHIPPED_STORE = join(PACKAGE_ROOT, "dist", "functions");

/** Bump when the zip layout changes without any input changing. */
const ZIP_FORMAT = 1;

export interface FunctionZip extends PackagedZip {
  name: FunctionName;
}

export interface ZipRequest {
  target: "lambda" | "local";
  /** Lambda's architecture; the local target is always this machine's. */
  arch?: Architecture;
  /** The writable store, `<state dir>/build`. */
  store: string;
  /** Ignore every stored bundle and zip and build them again (bundles only from a source checkout). */
  rebuild?: boolean;
  /** Where shipped bundles are looked for (tests point it elsewhere). */
  shipped?: string;
  progress?: (text: string) => void;
}

interface ZipRecord {
  inputsHash: string;
  codeSha256: string;
  bytes: number;
  unzippedBytes: number;
  arch: Architecture;
}

export async function functionZips(request: ZipRequest): Promise<FunctionZip[]> {
  const { arch, canvasTarget, level } = resolveZipTarget(request);
  const stores = [...new Set([request.store, request.shipped ?? SHIPPED_STORE])];
  const seen = new Map<string, Promise<string>>();
  const zips: FunctionZip[] = [];
  for (const name of FUNCTION_NAMES) {
    const spec = FUNCTIONS[name];
    const bundle = await findOrBuildBundle(spec, stores, request, seen);
    const inputsHash = hashOf({
      format: ZIP_FORMAT,
      bundle: bundle.record.contentHash,
      arch,
      level,
      canvas: spec.nativeCanvas ? `${canvasTarget.platformPackage}@${canvasVersion()}` : null,
    });
    const zipName = join("zips", `${request.target}-${arch}`, `${name}.zip`);
    const found = request.rebuild ? undefined : findZip(stores, zipName, inputsHash, name);
    if (found) {
      zips.push(found);
      continue;
    }
    request.progress?.(`zipping ${name}`);
    const zipPath = join(request.store, zipName);
    await mkdir(join(zipPath, ".."), { recursive: true });
    const staged = await assembleZip(spec, await readBundleEntries(bundle.dir), {
      zipPath: `${zipPath}.tmp-${process.pid}`,
      arch,
      canvasTarget,
      level,
      cacheDir: platformPackageCache(),
    });
    await rename(staged.zipPath, zipPath);
    const record: ZipRecord = {
      inputsHash,
      codeSha256: staged.codeSha256,
      bytes: staged.bytes,
      unzippedBytes: staged.unzippedBytes,
      arch,
    };
    await writeFileAtomically(`${zipPath}.json`, `${JSON.stringify(record, null, 2)}\n`);
    zips.push({ ...staged, name, zipPath });
  }
  return zips;
}

/**
 * Lambda zips are compressed hard (they are uploaded, and shipped in the package); the local cloud's
 * are built on the user's machine, where a light level zips the plotting function's 30 MB in a third
 * of the time for 7% more bytes.
 */
export function resolveZipTarget(request: Pick<ZipRequest, "target" | "arch">): {
  arch: Architecture;
  canvasTarget: CanvasTarget;
  level: number;
} {
  if (request.target === "local") {
    const arch = hostArchitecture();
    if (request.arch && request.arch !== arch) {
      throw new Error(
        `--target local packages for this machine (${arch}); drop --arch ${request.arch} or use --target lambda`,
      );
    }
    return { arch, canvasTarget: hostCanvasTarget(), level: 1 };
  }
  const arch = request.arch ?? "arm64";
  return { arch, canvasTarget: lambdaCanvasTarget(arch), level: 9 };
}

/**
 * A checkout trusts a stored bundle only while every file it was built from still hashes the same;
 * an installed package has no sources to compare and uses the bundles it shipped with.
 */
async function findOrBuildBundle(
  spec: FunctionSpec,
  stores: string[],
  request: ZipRequest,
  seen: Map<string, Promise<string>>,
): Promise<{ dir: string; record: BundleRecord }> {
  const candidates = stores.map((store) => join(store, "bundles", spec.name));
  if (!RUNS_FROM_SOURCE) {
    const shipped = candidates.at(-1)!;
    const record = readBundleRecord(shipped);
    if (!record) {
      throw new Error(
        `the installed package has no bundle for ${spec.name} in ${shipped}: reinstall s3size (npm install -g s3size)`,
      );
    }
    return { dir: shipped, record };
  }
  if (!request.rebuild) {
    for (const dir of candidates) {
      const record = readBundleRecord(dir);
      if (record && (await hashFiles(PACKAGE_ROOT, record.inputs, seen)) === record.inputsHash)
        return { dir, record };
    }
  }
  request.progress?.(`bundling ${spec.name}`);
  const dir = candidates[0]!;
  return { dir, record: await buildBundleDir(spec, dir, PACKAGE_ROOT, seen) };
}

function findZip(
  stores: string[],
  zipName: string,
  inputsHash: string,
  name: FunctionName,
): FunctionZip | undefined {
  for (const store of stores) {
    const zipPath = join(store, zipName);
    const record = readRecord(`${zipPath}.json`);
    if (record?.inputsHash !== inputsHash || sizeOf(zipPath) !== record.bytes) continue;
    return {
      name,
      zipPath,
      bytes: record.bytes,
      unzippedBytes: record.unzippedBytes,
      codeSha256: record.codeSha256,
      handler: "index.handler",
      arch: record.arch,
    };
  }
  return undefined;
}

function sizeOf(path: string): number | undefined {
  return existsSync(path) ? statSync(path).size : undefined;
}

function readRecord(path: string): ZipRecord | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as ZipRecord;
  } catch {
    return undefined; // missing or damaged: build it again
  }
}

async function writeFileAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp-${process.pid}`, text);
  await rename(`${path}.tmp-${process.pid}`, path);
}
