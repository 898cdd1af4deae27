// Object bodies, content-addressed by SHA-256: small ones in the index itself (written in the same batch
// that lists them), larger ones as files `<root>/<first two hex>/<sha256>`, written to a temporary file
// first and renamed into place by the commit that indexes them. A name is a digest of the bytes, never a
// bucket name or a key, so no request can steer a write outside the store.
import { createHash } from "node:crypto";
import {
  createWriteStream,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFile,
  writeFileSync,
} from "node:fs";
import { open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { randomChunk } from "../random.ts";
import { keys } from "./keys.ts";
import type { Database } from "./transaction.ts";

/** Where a version or part finds its bytes. */
export interface BodyRef {
  sha256: string;
  size: number;
}

/** The body a version or part record points at (none for a delete marker). */
export function bodyOf(record: { body?: string; size: number }): BodyRef | undefined {
  return record.body === undefined ? undefined : { sha256: record.body, size: record.size };
}

export interface StagedBody {
  sha256: string;
  md5: string;
  size: number;
  /** The temporary file holding the bytes, until it is promoted or discarded. */
  temporary?: string;
  /** The bytes themselves when the store already had a body with this digest (no temporary written). */
  bytes?: Buffer;
}

/**
 * Bodies up to this size live in LevelDB: creating a file costs ~0.2 ms of event-loop time here (Node
 * runs openat through io_uring on the main thread), more than the rest of a small PutObject together.
 */
export const INLINE_BODY_BYTES = 32 * 1024;

export function isInline(size: number): boolean {
  return size <= INLINE_BODY_BYTES;
}

export class BodyFiles {
  private readonly madeDirs = new Set<string>();

  constructor(
    readonly root: string,
    private readonly scratch: string,
    private readonly db: Database,
  ) {
    mkdirSync(root, { recursive: true });
    // Left-over temporaries belong to writes that were never acknowledged.
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
  }

  pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  private temporaryPath(): string {
    return join(this.scratch, randomChunk(12).toString("hex"));
  }

  /**
   * Digests the bytes and writes them to a temporary file, off the event loop, unless `known` says the
   * store holds them already (then the bytes stay in memory in case the body goes before the commit).
   */
  async stage(bytes: Buffer, known: (sha256: string) => boolean): Promise<StagedBody> {
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const md5 = createHash("md5").update(bytes).digest("hex");
    if (isInline(bytes.length) || known(sha256)) return { sha256, md5, size: bytes.length, bytes };
    const temporary = this.temporaryPath();
    // The callback API: fs/promises' FileHandle costs more on the event loop than the write itself.
    await new Promise<void>((resolve, reject) =>
      writeFile(temporary, bytes, (error) => (error ? reject(error) : resolve())),
    );
    return { sha256, md5, size: bytes.length, temporary };
  }

  /** Concatenates stored bodies (a multipart upload's parts) into one new staged body. */
  async stageConcatenation(parts: BodyRef[]): Promise<StagedBody> {
    const total = parts.reduce((sum, part) => sum + part.size, 0);
    if (isInline(total)) {
      const chunks: Buffer[] = [];
      for (const part of parts) for await (const chunk of await this.read(part)) chunks.push(chunk as Buffer);
      return this.stage(Buffer.concat(chunks), () => false);
    }
    const temporary = this.temporaryPath();
    const sha = createHash("sha256");
    const md5 = createHash("md5");
    const out = createWriteStream(temporary);
    try {
      for (const part of parts) {
        for await (const chunk of (await this.read(part)) as AsyncIterable<Buffer>) {
          sha.update(chunk);
          md5.update(chunk);
          if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
        }
      }
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    }
    return { sha256: sha.digest("hex"), md5: md5.digest("hex"), size: total, temporary };
  }

  /**
   * Puts a staged body in place; called inside the commit that indexes it, before the index lands. A
   * body staged as already known was collected in the meantime only if it is written here from memory.
   */
  promote(staged: StagedBody): void {
    const dir = join(this.root, staged.sha256.slice(0, 2));
    if (!this.madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    if (staged.temporary) renameSync(staged.temporary, this.pathOf(staged.sha256));
    else if (staged.bytes) writeFileSync(this.pathOf(staged.sha256), staged.bytes);
    else throw new Error(`body ${staged.sha256} has neither a temporary file nor bytes`);
    staged.temporary = undefined;
  }

  /** Drops a staged body that the store did not need (it already held the same bytes). */
  async discard(staged: StagedBody): Promise<void> {
    if (staged.temporary) await unlink(staged.temporary).catch(() => {});
    staged.temporary = undefined;
  }

  remove(sha256: string): Promise<void> {
    return unlink(this.pathOf(sha256)).catch(() => {});
  }

  /** A stream of bytes [start, end] of a body; rejects with ENOENT when the body is gone. */
  async read(body: BodyRef, range?: { start: number; end: number }): Promise<Readable> {
    if (isInline(body.size)) {
      const bytes = this.db.getSync(keys.inlineBody(body.sha256), { valueEncoding: "buffer" }) as
        | Buffer
        | undefined;
      if (!bytes) throw Object.assign(new Error(`body ${body.sha256} is gone`), { code: "ENOENT" });
      return Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]);
    }
    const handle = await open(this.pathOf(body.sha256), "r");
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  /** Every body file's digest, one fan-out folder at a time (for collecting garbage). */
  async *all(): AsyncGenerator<string[]> {
    for (const dir of await readdir(this.root).catch(() => [] as string[])) {
      yield readdirSync(join(this.root, dir)).filter((name) => /^[0-9a-f]{64}$/.test(name));
    }
  }
}
