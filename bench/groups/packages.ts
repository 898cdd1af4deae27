// Group 5, packages: zipped and unzipped bytes of each function's zip, for Lambda (arm64) and for
// this machine (what the local cloud runs). Zips are deterministic, so one build gives exact figures.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageFunctions } from "../../build/package.ts";
import { check } from "../stats.ts";

export interface PackageFigure {
  function: string;
  target: "lambda" | "local";
  arch: string;
  bytes: number;
  unzippedBytes: number;
}

export type PackageTarget = { target: "lambda"; arch: "arm64" | "x86_64" } | { target: "local" };

export async function benchPackages(targets: PackageTarget[]): Promise<PackageFigure[]> {
  const outDir = mkdtempSync(join(tmpdir(), "s3size-bench-zips-"));
  try {
    const figures: PackageFigure[] = [];
    for (const options of targets) {
      for (const zip of await packageFunctions({ ...options, outDir: join(outDir, options.target) })) {
        check(zip.bytes > 0 && zip.unzippedBytes >= zip.bytes, `${zip.name} zip has implausible sizes`);
        figures.push({
          function: zip.name,
          target: options.target,
          arch: zip.arch,
          bytes: zip.bytes,
          unzippedBytes: zip.unzippedBytes,
        });
      }
    }
    return figures;
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
