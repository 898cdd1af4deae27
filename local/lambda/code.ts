// Function code, content-addressed under the state dir: each zip is kept as `<sha256>.zip` and unpacked
// into `<sha256>/` in a folder only this user can enter. Names never come from a request. A zip is read in
// full and every entry checked before anything is written, and an unpacked folder is used only after its
// contents hash to what was unpacked: a folder is never trusted because it exists.
import { createHash, randomUUID } from "node:crypto";
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { lstat, readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";

/** AWS's limit on the unpacked size of a function and its layers. */
export const UNZIPPED_LIMIT_BYTES = 262_144_000;
const HASH = /^[0-9a-f]{64}$/;

export class BadZipError extends Error {}

export interface StoredCode {
  /** Base64 SHA-256 of the zip, as CodeSha256. */
  codeSha256: string;
  codeSize: number;
  /** Hex of the same hash: names the kept zip and the unpacked folder. */
  codeHash: string;
}

export class CodeStore {
  private readonly root: string;
  /** Verifications under way, so two cold starts of one function never unpack over each other. */
  private readonly verifying = new Map<string, Promise<string>>();

  constructor(lambdaDir: string) {
    this.root = join(lambdaDir, "code");
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    // mkdir's mode is masked by the umask and leaves an existing folder as it was.
    chmodSync(this.root, 0o700);
    // As in /var/task, a .js file without a package.json of its own is CommonJS: this manifest stops Node
    // from reading the "type" of a project the state dir sits in.
    writeFileSync(join(this.root, "package.json"), '{ "type": "commonjs" }\n');
  }

  /**
   * Puts the runtime's modules where Node looks after the code folder's own node_modules, so both
   * `import` and `require` find the SDK there without a resolution hook (AWS's /var/task has nothing else
   * above it either).
   */
  linkRuntimeModules(target: string): void {
    const link = join(this.root, "node_modules");
    rmSync(link, { recursive: true, force: true });
    symlinkSync(target, link, "dir");
  }

  /**
   * Whether a bare import could climb above the code folders into a node_modules folder (a state dir
   * inside a project): then the runtime confines resolution with a hook, which costs each cold start.
   */
  importsCouldClimbOut(): boolean {
    for (let dir = dirname(this.root); ; dir = dirname(dir)) {
      if (existsSync(join(dir, "node_modules"))) return true;
      if (dirname(dir) === dir) return false;
    }
  }

  zipPath(hash: string): string {
    return join(this.root, `${checkedHash(hash)}.zip`);
  }

  /** Checks and keeps a zip, unpacking it; throws BadZipError for anything Lambda would refuse. */
  async store(zip: Buffer): Promise<StoredCode> {
    const digest = createHash("sha256").update(zip).digest();
    const code = {
      codeSha256: digest.toString("base64"),
      codeSize: zip.length,
      codeHash: digest.toString("hex"),
    };
    await this.unpack(zip, code.codeHash);
    writeFileSync(this.zipPath(code.codeHash), zip, { mode: 0o600 });
    return code;
  }

  /** The unpacked folder of a kept zip, unpacked again when it went missing (verified when used). */
  async present(hash: string): Promise<string> {
    const dir = join(this.root, checkedHash(hash));
    if (!existsSync(dir) || this.expectedDigest(hash) === undefined) await this.verified(hash);
    return dir;
  }

  /**
   * The unpacked folder, checked before an environment starts in it: when its contents differ from what
   * was unpacked (a planted or edited file), it is unpacked again from the zip, whose own hash is checked.
   */
  verified(hash: string): Promise<string> {
    let pending = this.verifying.get(hash);
    if (!pending) {
      pending = this.verify(hash).finally(() => this.verifying.delete(hash));
      this.verifying.set(hash, pending);
    }
    return pending;
  }

  private async verify(hash: string): Promise<string> {
    const dir = join(this.root, checkedHash(hash));
    const expected = this.expectedDigest(hash);
    if (expected !== undefined && existsSync(dir) && (await treeDigest(dir)) === expected) return dir;
    const zip = await readFile(this.zipPath(hash));
    if (createHash("sha256").update(zip).digest("hex") !== hash) {
      throw new Error(`the kept code ${this.zipPath(hash)} no longer matches its hash`);
    }
    await this.unpack(zip, hash);
    return dir;
  }

  /** Removes kept code that no function uses any more. */
  prune(inUse: Set<string>): void {
    for (const entry of readdirSync(this.root)) {
      const hash = entry.slice(0, 64);
      if (HASH.test(hash) && !inUse.has(hash))
        rmSync(join(this.root, entry), { recursive: true, force: true });
    }
  }

  /** Moves a zip kept by an older version of the local cloud into place (it is verified when used). */
  adopt(hash: string, legacyZip: string): void {
    const target = this.zipPath(hash);
    if (!existsSync(target) && existsSync(legacyZip)) renameSync(legacyZip, target);
  }

  private expectedDigest(hash: string): string | undefined {
    try {
      return readFileSync(join(this.root, `${hash}.digest`), "utf8");
    } catch {
      return undefined;
    }
  }

  /** Unpacks into a fresh private folder, then swaps it in, so a half-unpacked folder is never used. */
  private async unpack(zip: Buffer, hash: string): Promise<void> {
    const target = join(this.root, checkedHash(hash));
    const temporary = join(this.root, `${hash}.${randomUUID()}.tmp`);
    mkdirSync(temporary, { mode: 0o700 });
    try {
      await extract(zip, temporary);
      const digest = await treeDigest(temporary);
      if (existsSync(target) && (await treeDigest(target)) === digest) {
        rmSync(temporary, { recursive: true, force: true });
      } else {
        rmSync(target, { recursive: true, force: true });
        renameSync(temporary, target);
      }
      writeFileSync(join(this.root, `${hash}.digest`), digest, { mode: 0o600 });
    } catch (error) {
      rmSync(temporary, { recursive: true, force: true });
      throw error;
    }
  }
}

function checkedHash(hash: string): string {
  if (!HASH.test(hash)) throw new Error(`not a code hash: ${JSON.stringify(hash)}`);
  return hash;
}

interface PlannedEntry {
  entry: yauzl.Entry;
  path: string;
  directory: boolean;
}

/** Reads every entry's header, checks them all, then writes: nothing is written for a refused zip. */
async function extract(zip: Buffer, dir: string): Promise<void> {
  const archive = await openZip(zip);
  try {
    const entries = await readEntries(archive);
    const plan = planEntries(entries);
    for (const item of plan) {
      const path = join(dir, item.path);
      if (item.directory) {
        mkdirSync(path, { recursive: true, mode: 0o755 });
        continue;
      }
      mkdirSync(join(path, ".."), { recursive: true, mode: 0o755 });
      const permissions = (item.entry.externalFileAttributes >>> 16) & 0o777;
      const source = await openEntry(archive, item.entry);
      await pipeline(source, createWriteStream(path, { mode: (permissions || 0o644) | 0o400, flags: "wx" }));
    }
  } catch (error) {
    throw error instanceof BadZipError ? error : new BadZipError((error as Error).message);
  } finally {
    archive.close();
  }
}

/** The entries as paths relative to the code folder; throws BadZipError for any entry Lambda would refuse. */
export function planEntries(entries: yauzl.Entry[]): PlannedEntry[] {
  let unzipped = 0;
  const kinds = new Map<string, "file" | "directory">();
  const plan: PlannedEntry[] = [];
  const claim = (path: string, kind: "file" | "directory") => {
    const existing = kinds.get(path);
    if (existing === "file" || (existing && kind === "file"))
      throw new BadZipError(`clashing entries at ${path}`);
    kinds.set(path, kind);
  };
  for (const entry of entries) {
    const name = entry.fileName;
    if (name.includes("\0")) throw new BadZipError("an entry name contains NUL");
    if (name.startsWith("/") || /^[a-zA-Z]:/.test(name)) throw new BadZipError(`absolute path ${name}`);
    const segments = name.split("/").filter((segment) => segment !== "" && segment !== ".");
    if (segments.includes("..")) throw new BadZipError(`path outside the code folder: ${name}`);
    const mode = entry.externalFileAttributes >>> 16;
    const type = mode & 0o170000;
    if (type === 0o120000) throw new BadZipError(`symbolic link ${name}`);
    const directory = name.endsWith("/") || type === 0o040000;
    if (segments.length === 0) {
      if (directory) continue;
      throw new BadZipError(`an entry without a name: ${JSON.stringify(name)}`);
    }
    for (let depth = 1; depth < segments.length; depth += 1)
      claim(segments.slice(0, depth).join("/"), "directory");
    const path = segments.join("/");
    claim(path, directory ? "directory" : "file");
    unzipped += entry.uncompressedSize;
    if (unzipped > UNZIPPED_LIMIT_BYTES) throw new UnzippedTooLargeError();
    plan.push({ entry, path, directory });
  }
  return plan;
}

export class UnzippedTooLargeError extends BadZipError {
  constructor() {
    super(`Unzipped size must be smaller than ${UNZIPPED_LIMIT_BYTES} bytes`);
  }
}

function openZip(zip: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(
      zip,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true },
      (error, archive) => {
        if (error || !archive) reject(new BadZipError(error?.message ?? "not a zip"));
        else resolve(archive);
      },
    );
  });
}

function readEntries(archive: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  const entries: yauzl.Entry[] = [];
  return new Promise((resolve, reject) => {
    archive.on("entry", (entry: yauzl.Entry) => {
      entries.push(entry);
      archive.readEntry();
    });
    archive.on("end", () => resolve(entries));
    archive.on("error", (error: Error) => reject(new BadZipError(error.message)));
    archive.readEntry();
  });
}

function openEntry(archive: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    archive.openReadStream(entry, (error, stream) => {
      if (error || !stream) reject(new BadZipError(error?.message ?? "unreadable entry"));
      else resolve(stream);
    });
  });
}

/**
 * One hash over a folder: every path, its kind, its permission bits and its bytes, in a fixed order.
 * Anything but plain files and folders (a symlink planted later) makes it differ from any unpacked zip.
 */
export async function treeDigest(dir: string): Promise<string> {
  const hash = createHash("sha256");
  // Asynchronous file by file: a large bundle must not hold up every other request to the cloud.
  const walk = async (relative: string) => {
    for (const name of (await readdir(join(dir, relative))).sort()) {
      const path = relative ? `${relative}/${name}` : name;
      const stats = await lstat(join(dir, path));
      if (stats.isDirectory()) {
        hash.update(`d ${path}\n`);
        await walk(path);
      } else if (stats.isFile()) {
        const content = createHash("sha256")
          .update(await readFile(join(dir, path)))
          .digest("hex");
        hash.update(`f ${path} ${(stats.mode & 0o777).toString(8)} ${content}\n`);
      } else hash.update(`x ${path}\n`);
    }
  };
  await walk("");
  return hash.digest("hex");
}
