// Where the s3size package lives and whether it runs from its TypeScript source (a checkout, through
// tsx) or as the compiled JavaScript of an installed package: the two differ in what they may build.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This very module is `.ts` in a checkout and `.js` once compiled into `dist/`. */
export const RUNS_FROM_SOURCE = import.meta.url.endsWith(".ts");

/** The folder holding s3size's package.json: the checkout, or the installed package. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

let manifest: { name: string; version: string } | undefined;

/** The version users see (`s3size --version`), read from package.json rather than repeated in code. */
export function packageVersion(): string {
  manifest ??= JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  return manifest.version;
}
