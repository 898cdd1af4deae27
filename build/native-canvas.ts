// Finds the files of `@napi-rs/canvas` and of its native platform package for a target, fetching the
// registry's platform package (same version as the installed library) when the host lacks it.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { extractTarGz } from "./tarball.ts";
import type { ZipEntry } from "./zip.ts";

export type Architecture = "arm64" | "x86_64";

const CANVAS = "@napi-rs/canvas";

export interface CanvasTarget {
  /** The platform package holding the native binary, e.g. `@napi-rs/canvas-linux-arm64-gnu`. */
  platformPackage: string;
}

/** Lambda runs Amazon Linux (glibc) on the chosen architecture, whatever machine builds the zip. */
export function lambdaCanvasTarget(arch: Architecture): CanvasTarget {
  const cpu = arch === "arm64" ? "arm64" : "x64";
  return { platformPackage: `${CANVAS}-linux-${cpu}-gnu` };
}

/** The package the canvas library itself would load on this machine (the local cloud runs here). */
export function hostCanvasTarget(): CanvasTarget {
  const { platform, arch } = process;
  if (platform === "linux")
    return { platformPackage: `${CANVAS}-linux-${arch}-${isMusl() ? "musl" : "gnu"}` };
  if (platform === "win32") return { platformPackage: `${CANVAS}-win32-${arch}-msvc` };
  return { platformPackage: `${CANVAS}-${platform}-${arch}` };
}

export function hostArchitecture(): Architecture {
  if (process.arch === "arm64") return "arm64";
  if (process.arch === "x64") return "x86_64";
  throw new Error(`this machine's architecture (${process.arch}) has no Lambda equivalent`);
}

/**
 * Platform packages fetched from the registry are kept in the user's cache folder, never in the
 * install folder (a global install is often root's and read-only to its users).
 */
export function platformPackageCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "s3size");
  if (process.platform === "darwin") return join(homedir(), "Library", "Caches", "s3size");
  if (process.platform === "win32" && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, "s3size", "Cache");
  return join(homedir(), ".cache", "s3size");
}

/** The installed canvas library's version: the platform package must be the same version. */
export function canvasVersion(): string {
  const require = createRequire(import.meta.url);
  return (require(`${CANVAS}/package.json`) as PackageManifest).version;
}

function isMusl(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}

/**
 * The zip entries under `node_modules/` that make `import "@napi-rs/canvas"` work on the target:
 * the library's runtime JS and package.json, and the platform package's binary and package.json.
 */
export async function canvasZipEntries(target: CanvasTarget, cacheRoot: string): Promise<ZipEntry[]> {
  const require = createRequire(import.meta.url);
  const canvasDir = dirname(require.resolve(`${CANVAS}/package.json`));
  const canvasManifest = JSON.parse(
    await readFile(join(canvasDir, "package.json"), "utf8"),
  ) as PackageManifest;
  const canvasFiles = ["package.json", "LICENSE", ...(canvasManifest.files ?? [])].filter(
    (file) => !file.endsWith(".d.ts") && existsSync(join(canvasDir, file)),
  );

  const platformDir = await platformPackageDir(
    target.platformPackage,
    canvasManifest.version,
    canvasDir,
    cacheRoot,
  );
  const platformManifest = JSON.parse(
    await readFile(join(platformDir, "package.json"), "utf8"),
  ) as PackageManifest;
  if (!platformManifest.main?.endsWith(".node")) {
    throw new Error(`${target.platformPackage} has no native binary as its main file`);
  }
  const platformFiles = ["package.json", "LICENSE", platformManifest.main].filter((file) =>
    existsSync(join(platformDir, file)),
  );

  return [
    ...(await readEntries(canvasDir, `node_modules/${CANVAS}`, canvasFiles)),
    ...(await readEntries(platformDir, `node_modules/${target.platformPackage}`, platformFiles)),
  ];
}

interface PackageManifest {
  name: string;
  version: string;
  main?: string;
  files?: string[];
}

async function readEntries(dir: string, zipDir: string, files: string[]): Promise<ZipEntry[]> {
  return Promise.all(
    [...new Set(files)].map(async (file) => ({
      name: `${zipDir}/${file}`,
      data: await readFile(join(dir, file)),
    })),
  );
}

// The installed copy is the registry's package when name and version match (npm installs the
// platform package of the host only); anything else comes from the cache or the registry.
async function platformPackageDir(pkg: string, version: string, canvasDir: string, cacheRoot: string) {
  const installed = installedPackageDir(pkg, canvasDir);
  if (installed && (await manifestVersion(installed)) === version) return installed;

  const cached = join(cacheRoot, `${pkg.replace("/", "+")}@${version}`);
  if ((await manifestVersion(cached)) === version) return cached;
  await fetchPackage(pkg, version, cached);
  return cached;
}

function installedPackageDir(pkg: string, canvasDir: string): string | undefined {
  try {
    return dirname(createRequire(join(canvasDir, "package.json")).resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}

async function manifestVersion(dir: string): Promise<string | undefined> {
  try {
    return (JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as PackageManifest).version;
  } catch {
    return undefined;
  }
}

// `npm pack` downloads the published tarball (integrity-checked against the registry) without
// installing anything; extraction happens in a scratch folder renamed into place, so an
// interrupted fetch never leaves a half-filled cache entry behind.
async function fetchPackage(pkg: string, version: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const scratch = await mkdtemp(`${dest}.tmp-`);
  try {
    let stdout: string;
    try {
      ({ stdout } = await promisify(execFile)(
        "npm",
        ["pack", `${pkg}@${version}`, "--json", "--pack-destination", scratch],
        { maxBuffer: 16 * 1024 * 1024 },
      ));
    } catch (error) {
      throw new Error(
        `could not fetch ${pkg}@${version} from the npm registry (${npmErrorLine(error)}). ` +
          `The plotting function needs this native binary for its target. Check the network and npm ` +
          `registry settings, or run \`npm pack ${pkg}@${version}\` by hand to see the problem.`,
      );
    }
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    if (!packed) throw new Error(`npm pack ${pkg}@${version} reported no tarball`);
    await extractTarGz(await readFile(join(scratch, packed.filename)), join(scratch, "extracted"));
    await rm(dest, { recursive: true, force: true });
    await rename(join(scratch, "extracted", "package"), dest);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// npm prints warnings first and a log-file pointer last; the first error line says what went wrong.
function npmErrorLine(error: unknown): string {
  const text =
    error instanceof Error ? (error as { stderr?: string }).stderr || error.message : String(error);
  const lines = text.trim().split("\n");
  return lines.find((line) => /error/i.test(line)) ?? lines[0] ?? "unknown error";
}
