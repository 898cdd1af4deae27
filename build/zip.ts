// Writes a deterministic zip with archiver: same entries in, same bytes out (Lambda's CodeSha256
// then only changes when the code does, and setup can skip unchanged functions by hash).
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { ZipArchive } from "archiver";

export interface ZipEntry {
  /** Path inside the zip, forward slashes. */
  name: string;
  data: Buffer;
}

// The DOS epoch, the earliest time a zip header can hold. archiver writes UTC fields by default,
// so the bytes do not depend on the build machine's time zone.
const FIXED_DATE = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));
const FILE_MODE = 0o644;

/** Entries are sorted by name; timestamps, modes and compression level are fixed. */
export async function writeDeterministicZip(entries: ZipEntry[], zipPath: string, level = 9): Promise<void> {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  assertUniqueNames(sorted);
  const archive = new ZipArchive({ zlib: { level } });
  const written = pipeline(archive, createWriteStream(zipPath));
  for (const entry of sorted) {
    archive.append(entry.data, { name: entry.name, date: FIXED_DATE, mode: FILE_MODE });
  }
  await archive.finalize();
  await written;
}

function assertUniqueNames(sorted: ZipEntry[]): void {
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name) throw new Error(`duplicate zip entry ${sorted[i]!.name}`);
  }
}
