// Test helper: reads a zip with yauzl into memory, entry by entry with its raw header fields.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import yauzl from "yauzl";

export interface ZipFileEntry {
  name: string;
  data: Buffer;
  /** Unix mode from the high half of the external attributes. */
  mode: number;
  dosDate: number;
  dosTime: number;
  extraFieldLength: number;
}

export function readZip(zipPath: string): Promise<ZipFileEntry[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (openError, zip) => {
      if (openError) return reject(openError);
      const entries: ZipFileEntry[] = [];
      zip.on("error", reject);
      zip.on("end", () => resolve(entries));
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on("data", (chunk: Buffer) => chunks.push(chunk));
          stream.on("error", reject);
          stream.on("end", () => {
            entries.push({
              name: entry.fileName,
              data: Buffer.concat(chunks),
              mode: entry.externalFileAttributes >>> 16,
              dosDate: entry.lastModFileDate,
              dosTime: entry.lastModFileTime,
              extraFieldLength: entry.extraFieldLength,
            });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

export async function extractZip(zipPath: string, dir: string): Promise<void> {
  for (const entry of await readZip(zipPath)) {
    const target = join(dir, entry.name);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, entry.data);
  }
}

/** The e_machine field of an ELF file: 62 is x86-64, 183 is AArch64. */
export function elfMachine(binary: Buffer): number {
  if (binary.subarray(0, 4).toString("latin1") !== "\x7fELF") throw new Error("not an ELF file");
  const littleEndian = binary[5] === 1;
  return littleEndian ? binary.readUInt16LE(18) : binary.readUInt16BE(18);
}
