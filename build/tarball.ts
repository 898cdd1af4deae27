// Unpacks an npm package tarball (gzipped ustar) into a folder: just enough tar for what `npm pack`
// writes, so fetching a platform package needs no `tar` binary on the build machine.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, normalize, sep } from "node:path";
import { gunzipSync } from "node:zlib";

const BLOCK = 512;

export async function extractTarGz(tgz: Buffer, destDir: string): Promise<string[]> {
  const tar = gunzipSync(tgz);
  const written: string[] = [];
  let longName: string | undefined;
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const size = Number.parseInt(readString(header, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156]!);
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;

    if (type === "x") {
      longName = paxPath(body.toString("utf8")) ?? longName;
      continue;
    }
    if (type === "L") {
      longName = readString(body, 0, body.length);
      continue;
    }
    const prefix = readString(header, 345, 155);
    const name =
      longName ?? (prefix ? `${prefix}/${readString(header, 0, 100)}` : readString(header, 0, 100));
    longName = undefined;
    if (type !== "0" && type !== "\0") continue; // npm tarballs hold regular files; folders follow from them

    const target = safeJoin(destDir, name);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, body);
    written.push(name);
  }
  return written;
}

function readString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

// A pax record is "<len> <key>=<value>\n"; only the path matters here.
function paxPath(records: string): string | undefined {
  for (const line of records.split("\n")) {
    const match = /^\d+ path=(.*)$/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

function safeJoin(root: string, name: string): string {
  const target = normalize(join(root, name));
  if (!target.startsWith(normalize(root) + sep)) throw new Error(`tarball entry escapes its folder: ${name}`);
  return target;
}
