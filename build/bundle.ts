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

export async function bundleHandler({ entry, projectRoot }: BundleInput): Promise<Buffer> {
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
    sourcemap: false,
    legalComments: "none",
    logLevel: "silent",
  });
  const output = result.outputFiles.find((file) => file.path.endsWith("index.mjs"));
  if (!output) throw new Error(`esbuild produced no index.mjs for ${entry}`);
  const code = Buffer.from(output.contents);
  assertNoMachinePath(code, entry, projectRoot);
  return code;
}

// A path of the build machine in the bundle would make the zip differ between machines and
// leak who built it; esbuild writes paths relative to absWorkingDir, so this should never fire.
function assertNoMachinePath(code: Buffer, entry: string, root: string): void {
  const trimmed = root.replace(/[\\/]+$/, "");
  if (trimmed.length > 1 && code.includes(trimmed)) {
    throw new Error(`the bundle of ${entry} contains the build machine's path ${trimmed}`);
  }
}
