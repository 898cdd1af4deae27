// `npm run package` and the packaging API tests call: the three functions bundled afresh and zipped
// for Lambda (Linux glibc, arm64 unless asked otherwise) or for this machine (what the local cloud runs).
import { relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type FunctionZip, resolveZipTarget } from "./function-zips.ts";
import { FUNCTION_NAMES, FUNCTIONS, type FunctionName, PROJECT_ROOT } from "./functions.ts";
import { type Architecture, platformPackageCache } from "./native-canvas.ts";
import { formatSize, packageSpecs } from "./packager.ts";

export type { Architecture, FunctionName };

export interface PackageOptions {
  target: "lambda" | "local";
  arch?: Architecture;
  /** Default `dist/lambda` in the project. */
  outDir?: string;
  /** Default all three. */
  functions?: FunctionName[];
}

export type PackagedFunction = FunctionZip;

export const DEFAULT_OUT_DIR = fileURLToPath(new URL("../dist/lambda", import.meta.url));

export async function packageFunctions(options: PackageOptions): Promise<PackagedFunction[]> {
  const { arch, canvasTarget, level } = resolveZipTarget(options);
  const names = options.functions ?? FUNCTION_NAMES;
  const zips = await packageSpecs(
    names.map((name) => FUNCTIONS[name]),
    {
      outDir: options.outDir ?? DEFAULT_OUT_DIR,
      arch,
      canvasTarget,
      level,
      projectRoot: PROJECT_ROOT,
      cacheDir: platformPackageCache(),
    },
  );
  return zips.map((zip) => ({ ...zip, name: zip.name as FunctionName }));
}

export function parsePackageArgs(args: string[]): PackageOptions {
  const { values } = parseArgs({
    args,
    options: {
      target: { type: "string", default: "lambda" },
      arch: { type: "string" },
      "out-dir": { type: "string" },
    },
  });
  if (values.target !== "lambda" && values.target !== "local") {
    throw new Error(`--target must be lambda or local, not ${values.target}`);
  }
  if (values.arch !== undefined && values.arch !== "arm64" && values.arch !== "x86_64") {
    throw new Error(`--arch must be arm64 or x86_64, not ${values.arch}`);
  }
  return { target: values.target, arch: values.arch, outDir: values["out-dir"] };
}

async function main(): Promise<void> {
  try {
    const options = parsePackageArgs(process.argv.slice(2));
    for (const zip of await packageFunctions(options)) {
      const nearby = relative(process.cwd(), zip.zipPath);
      const path = nearby.startsWith("..") ? zip.zipPath : nearby;
      console.log(
        `${path.padEnd(32)} ${formatSize(zip.bytes).padStart(8)} zipped  ` +
          `${formatSize(zip.unzippedBytes).padStart(8)} unzipped  ${zip.arch}`,
      );
    }
  } catch (error) {
    console.error(`package failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
