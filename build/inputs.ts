// Hashes of what a build read, so a later run can tell "nothing changed" by reading the same files
// again instead of bundling again: the key of every cached bundle and zip.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * One hash over the named files' paths and contents (a missing file hashes as missing, so a deleted
 * input is a change too). `seen` lets the three functions, which share most SDK files, read each once.
 */
export async function hashFiles(
  root: string,
  files: string[],
  seen: Map<string, Promise<string>> = new Map(),
): Promise<string> {
  const hashes = await Promise.all(
    [...files].sort().map((file) => {
      let hash = seen.get(file);
      if (!hash) {
        hash = readFile(join(root, file)).then(sha256, () => "missing");
        seen.set(file, hash);
      }
      return hash.then((h) => `${file}\0${h}\n`);
    }),
  );
  return sha256(hashes.join(""));
}

/** A stable hash of a plain JSON-able description (keys in the order written). */
export function hashOf(description: unknown): string {
  return sha256(JSON.stringify(description));
}
