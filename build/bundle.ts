// Bundles one handler into a single ESM file for Lambda's Node runtime, AWS SDK v3 inside, so the
// deployed code runs exactly the SDK version the tests ran.
import { build } from "esbuild";

/** Native modules cannot be bundled; the packager ships them in the zip's node_modules instead. */
export const EXTERNAL_PACKAGES = ["@napi-rs/canvas"];

// Bundled CommonJS dependencies call `require` for Node built-ins; an ES module has none, so the
// bundle makes one. The aliased import keeps the banner from clashing with names in the bundle.
const ESM_REQUIRE_BANNER = [
  'import { createRequire as __s3sizeCreateRequire } from "node:module";',
  "const require = __s3sizeCreateRequire(import.meta.url);",
].join("\n");

export interface BundleInput {
  entry: string;
  /** Root the bundle's module comments are relative to; also the root nothing may leak from. */
  projectRoot: string;
}

export interface Bundle {
  code: Buffer;
  /** Every file esbuild read, relative to the project root (sources and node_modules alike). */
  inputs: string[];
}

/**
 * The SDK warns from inside every client constructor when Node is older than it will soon require,
 * through process.emitWarning, which a function's log shows as an ERROR line. Its own switch is this
 * environment variable; fixing it at bundle time keeps the warning out of the functions' logs without
 * an extra variable on every function.
 */
const SDK_DEFINES = { "process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": '"true"' };

export async function bundleHandler(input: BundleInput): Promise<Buffer> {
  return (await bundleWithInputs(input)).code;
}

export async function bundleWithInputs({ entry, projectRoot }: BundleInput): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: projectRoot,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    // Prefer the ES builds of the SDK packages: they tree-shake far better than the CJS ones.
    mainFields: ["module", "main"],
    outfile: "index.mjs",
    write: false,
    external: EXTERNAL_PACKAGES,
    banner: { js: ESM_REQUIRE_BANNER },
    define: SDK_DEFINES,
    metafile: true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "silent",
  });
  const output = result.outputFiles.find((file) => file.path.endsWith("index.mjs"));
  if (!output) throw new Error(`esbuild produced no index.mjs for ${entry}`);
  const code = Buffer.from(output.contents);
  assertNoMachinePath(code, entry, projectRoot);
  return { code, inputs: Object.keys(result.metafile.inputs).sort() };
}

// A path of the build machine in the bundle would make the zip differ between machines and
// leak who built it; esbuild writes paths relative to absWorkingDir, so this should never fire.
function assertNoMachinePath(code: Buffer, entry: string, root: string): void {
  const trimmed = root.replace(/[\\/]+$/, "");
  if (trimmed.length > 1 && code.includes(trimmed)) {
    throw new Error(`the bundle of ${entry} contains the build machine's path ${trimmed}`);
  }
}
