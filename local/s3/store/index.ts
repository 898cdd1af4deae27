// The local cloud's S3 store: buckets, object versions and multipart uploads indexed in LevelDB
// (classic-level) under `<dataDir>/s3/_index`, bodies as content-addressed files under `_bodies`.
// Reads go straight to the committed index; every change goes through the write queue.
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { S3Failure } from "../failure.ts";
import { BodyFiles, type BodyRef, bodyOf, type StagedBody } from "./bodies.ts";
import { keys } from "./keys.ts";
import type { BucketRecord, BucketStats, ObjectVersion, PartRecord, UploadRecord } from "./records.ts";
import { type Database, type Transaction, WriteQueue } from "./transaction.ts";
import {
  addVersion,
  deleteCurrent,
  EMPTY_STATS,
  lookupVersion,
  type NewVersion,
  removeVersion,
} from "./versions.ts";

/** Folder names no bucket can have (S3 bucket names never hold "_"), so an old s3rver layout can sit beside them. */
export const INDEX_DIR = "_index";
export const BODIES_DIR = "_bodies";
const SCRATCH_DIR = "_incoming";

export class S3Store {
  private constructor(
    readonly db: Database,
    readonly bodies: BodyFiles,
    private readonly queue: WriteQueue,
  ) {}

  static async open(directory: string): Promise<S3Store> {
    const db = new ClassicLevel<Buffer, unknown>(join(directory, INDEX_DIR), {
      keyEncoding: "buffer",
      valueEncoding: "json",
    });
    await db.open();
    const bodies = new BodyFiles(join(directory, BODIES_DIR), join(directory, SCRATCH_DIR), db);
    return new S3Store(db, bodies, new WriteQueue(db, bodies));
  }

  private closing = false;
  private collecting: Promise<void> = Promise.resolve();

  async close(): Promise<void> {
    this.closing = true;
    await this.collecting;
    await this.queue.idle();
    await this.db.close();
  }

  /**
   * Deletes body files no version or part points at (left by a crash between writing a body and
   * indexing it, or between unindexing and deleting it). Runs in the background, one fan-out folder per
   * change, so it never races a write that is about to reference a body.
   */
  collectGarbage(): Promise<void> {
    this.collecting = (async () => {
      for await (const names of this.bodies.all()) {
        if (this.closing) return;
        await this.write(
          async () => {
            for (const sha256 of names) if (!this.hasBody(sha256)) await this.bodies.remove(sha256);
          },
          { alone: true },
        );
      }
    })();
    return this.collecting;
  }

  /** Runs a change in the write queue; `alone` for a change that scans the index (see WriteQueue). */
  write<T>(change: (tx: Transaction) => T | Promise<T>, options: { alone?: boolean } = {}): Promise<T> {
    return this.queue.run(change, options);
  }

  // Buckets

  /** Bucket records are read on every request; they change rarely, through the three methods below. */
  private readonly buckets = new Map<string, BucketRecord | undefined>();

  bucket(name: string): BucketRecord | undefined {
    if (!this.buckets.has(name))
      this.buckets.set(name, this.db.getSync(keys.bucket(name)) as BucketRecord | undefined);
    return this.buckets.get(name);
  }

  stats(name: string): BucketStats {
    return (this.db.getSync(keys.stats(name)) as BucketStats | undefined) ?? EMPTY_STATS;
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const buckets: BucketRecord[] = [];
    for await (const value of this.db.values(keys.buckets)) buckets.push(value as BucketRecord);
    return buckets;
  }

  /** Creates the bucket unless one of that name exists; returns the existing one otherwise. */
  async createBucket(record: BucketRecord): Promise<BucketRecord | undefined> {
    const existing = await this.write((tx) => {
      const existing = tx.get<BucketRecord>(keys.bucket(record.name));
      if (existing) return existing;
      tx.put(keys.bucket(record.name), record);
      tx.put(keys.stats(record.name), EMPTY_STATS);
      return undefined;
    });
    this.buckets.delete(record.name);
    return existing;
  }

  async updateBucket(name: string, change: (record: BucketRecord) => void): Promise<BucketRecord> {
    const updated = await this.write((tx) => {
      const record = tx.get<BucketRecord>(keys.bucket(name));
      if (!record) throw noSuchBucket(name);
      change(record);
      tx.put(keys.bucket(name), record);
      return record;
    });
    this.buckets.delete(name);
    return updated;
  }

  /** Deletes an empty bucket (versions and delete markers count), aborting its unfinished uploads. */
  async deleteBucket(name: string): Promise<void> {
    await this.write(
      async (tx) => {
        if (!tx.get(keys.bucket(name))) throw noSuchBucket(name);
        if ((tx.get<BucketStats>(keys.stats(name)) ?? EMPTY_STATS).versions > 0) {
          throw new S3Failure(409, "BucketNotEmpty", "The bucket you tried to delete is not empty", {
            BucketName: name,
          });
        }
        const uploads = await this.listUploadRecords(name);
        for (const upload of uploads) await this.dropUpload(tx, upload);
        tx.del(keys.bucket(name));
        tx.del(keys.stats(name));
      },
      { alone: true },
    );
    this.buckets.delete(name);
  }

  // Objects

  current(bucket: string, key: string): ObjectVersion | undefined {
    return this.db.getSync(keys.current(bucket, key)) as ObjectVersion | undefined;
  }

  /** A version by id ("null" included), delete markers included; undefined when there is none. */
  version(bucket: string, key: string, versionId: string): ObjectVersion | undefined {
    return lookupVersion({ get: (key) => this.db.getSync(key) as never }, bucket, key, versionId);
  }

  /** The newest version of a key, delete marker or not. */
  async newest(bucket: string, key: string): Promise<ObjectVersion | undefined> {
    return (await this.newestTwo(bucket, key))[0];
  }

  private readonly newestTwo = async (bucket: string, key: string): Promise<ObjectVersion[]> => {
    const found: ObjectVersion[] = [];
    const range = { gte: keys.versionsOf(bucket, key), lt: keys.pastVersionsOf(bucket, key), limit: 2 };
    for await (const value of this.db.values(range)) found.push(value as ObjectVersion);
    return found;
  };

  /** Knows a body by digest (a hint for skipping a temporary file; the commit decides). */
  hasBody(sha256: string): boolean {
    return this.db.getSync(keys.references(sha256)) !== undefined;
  }

  stage(bytes: Buffer): Promise<StagedBody> {
    return this.bodies.stage(bytes, (sha256) => this.hasBody(sha256));
  }

  /**
   * Writes a new version of a key. `check` runs inside the change against the key's current version
   * (conditional writes, copy sources) and may throw to refuse it.
   */
  async putObject(
    bucket: string,
    key: string,
    input: NewVersion | ((tx: Transaction) => NewVersion),
    /** The body `input` (a function) will name, so its temporary file goes whether the write lands or not. */
    body?: StagedBody,
  ): Promise<{ version: ObjectVersion; replaced?: ObjectVersion; bucket: BucketRecord }> {
    const staged =
      body ?? (typeof input === "object" && typeof input.body === "object" ? input.body : undefined);
    try {
      return await this.write((tx) => {
        const record = tx.get<BucketRecord>(keys.bucket(bucket));
        if (!record) throw noSuchBucket(bucket);
        const fields = typeof input === "function" ? input(tx) : input;
        return { ...addVersion(tx, record, key, fields), bucket: record };
      });
    } finally {
      if (staged) await this.bodies.discard(staged);
    }
  }

  /** DeleteObject: without a version id as S3 deletes (or marks); with one, that version for good. */
  deleteObject(
    bucket: string,
    key: string,
    versionId?: string,
  ): Promise<{ marker?: ObjectVersion; removed?: ObjectVersion; seq?: number; bucket: BucketRecord }> {
    return this.write(
      async (tx) => {
        const record = tx.get<BucketRecord>(keys.bucket(bucket));
        if (!record) throw noSuchBucket(bucket);
        if (versionId === undefined) {
          const result = deleteCurrent(tx, record, key);
          // A removal adds no version, but its event still needs a sequencer later than the key's last.
          return {
            ...result,
            ...(result.removed && !result.marker ? { seq: tx.nextSeq() } : {}),
            bucket: record,
          };
        }
        const version = lookupVersion(tx, bucket, key, versionId);
        if (!version) return { bucket: record };
        await removeVersion(tx, bucket, version, this.newestTwo);
        return { removed: version, seq: tx.nextSeq(), bucket: record };
      },
      { alone: versionId !== undefined },
    );
  }

  /** Replaces a version's tags (undefined removes them); answers the version changed. */
  setTags(bucket: string, version: ObjectVersion, tags: ObjectVersion["tags"]): Promise<void> {
    return this.write((tx) => {
      const stored = tx.get<ObjectVersion>(keys.version(bucket, version.key, version.seq));
      if (!stored)
        throw new S3Failure(404, "NoSuchKey", "The specified key does not exist.", { Key: version.key });
      const updated = { ...stored, ...(tags ? { tags } : {}) };
      if (!tags) delete updated.tags;
      tx.put(keys.version(bucket, version.key, version.seq), updated);
      const current = tx.get<ObjectVersion>(keys.current(bucket, version.key));
      if (current?.seq === version.seq) tx.put(keys.current(bucket, version.key), updated);
    });
  }

  // Multipart uploads

  upload(bucket: string, uploadId: string): UploadRecord | undefined {
    return this.db.getSync(keys.upload(bucket, uploadId)) as UploadRecord | undefined;
  }

  createUpload(record: UploadRecord): Promise<void> {
    return this.write((tx) => {
      if (!tx.get(keys.bucket(record.bucket))) throw noSuchBucket(record.bucket);
      tx.put(keys.upload(record.bucket, record.uploadId), record);
    });
  }

  async putPart(
    bucket: string,
    uploadId: string,
    part: Omit<PartRecord, "body">,
    body: StagedBody,
  ): Promise<void> {
    try {
      await this.write((tx) => {
        if (!tx.get(keys.upload(bucket, uploadId))) throw noSuchUpload(uploadId);
        const previous = tx.get<PartRecord>(keys.part(uploadId, part.partNumber));
        tx.reference(body);
        tx.release(previous && bodyOf(previous));
        tx.put(keys.part(uploadId, part.partNumber), { ...part, body: body.sha256 });
      });
    } finally {
      await this.bodies.discard(body);
    }
  }

  part(uploadId: string, partNumber: number): PartRecord | undefined {
    return this.db.getSync(keys.part(uploadId, partNumber)) as PartRecord | undefined;
  }

  async listParts(uploadId: string, afterPart = 0, limit = 10_000): Promise<PartRecord[]> {
    const parts: PartRecord[] = [];
    const range = { gt: keys.part(uploadId, afterPart), lt: keys.part(uploadId, 100_000), limit };
    for await (const value of this.db.values(range)) parts.push(value as PartRecord);
    return parts;
  }

  async listUploadRecords(bucket: string): Promise<UploadRecord[]> {
    const uploads: UploadRecord[] = [];
    const prefix = keys.uploadPrefix(bucket);
    for await (const value of this.db.values({
      gte: prefix,
      lt: Buffer.concat([prefix, Buffer.from([0xff])]),
    }))
      uploads.push(value as UploadRecord);
    return uploads;
  }

  /** Removes an upload and its parts inside a change (parts are read from committed state first). */
  private async dropUpload(tx: Transaction, upload: UploadRecord): Promise<void> {
    for (const part of await this.listParts(upload.uploadId)) {
      tx.release(bodyOf(part));
      tx.del(keys.part(upload.uploadId, part.partNumber));
    }
    tx.del(keys.upload(upload.bucket, upload.uploadId));
  }

  abortUpload(bucket: string, uploadId: string): Promise<void> {
    return this.write(
      async (tx) => {
        const upload = tx.get<UploadRecord>(keys.upload(bucket, uploadId));
        if (!upload) throw noSuchUpload(uploadId);
        await this.dropUpload(tx, upload);
      },
      { alone: true },
    );
  }

  /**
   * Completes an upload whose chosen parts were concatenated into `body`: the new version lands, and the
   * upload with all its parts goes, in one change. `chosen` are the part bodies the concatenation read;
   * a part replaced since then fails the completion rather than storing bytes nobody sent last.
   */
  async completeUpload(
    bucket: string,
    uploadId: string,
    chosen: PartRecord[],
    body: StagedBody,
    fields: (upload: UploadRecord) => Omit<NewVersion, "body">,
  ): Promise<{
    version: ObjectVersion;
    replaced?: ObjectVersion;
    bucket: BucketRecord;
    upload: UploadRecord;
  }> {
    try {
      return await this.write(
        async (tx) => {
          const record = tx.get<BucketRecord>(keys.bucket(bucket));
          if (!record) throw noSuchBucket(bucket);
          const upload = tx.get<UploadRecord>(keys.upload(bucket, uploadId));
          if (!upload) throw noSuchUpload(uploadId);
          for (const part of chosen) {
            if (tx.get<PartRecord>(keys.part(uploadId, part.partNumber))?.body !== part.body)
              throw invalidPart();
          }
          const parts = await this.listParts(uploadId);
          const added = addVersion(tx, record, upload.key, { ...fields(upload), body });
          for (const part of parts) {
            tx.release(bodyOf(part));
            tx.del(keys.part(uploadId, part.partNumber));
          }
          tx.del(keys.upload(bucket, uploadId));
          return { ...added, bucket: record, upload };
        },
        { alone: true },
      );
    } finally {
      await this.bodies.discard(body);
    }
  }

  // Listings

  readBody(body: BodyRef, range?: { start: number; end: number }) {
    return this.bodies.read(body, range);
  }
}

export function noSuchBucket(bucket: string): S3Failure {
  return new S3Failure(404, "NoSuchBucket", "The specified bucket does not exist", { BucketName: bucket });
}

export function noSuchUpload(uploadId: string): S3Failure {
  return new S3Failure(
    404,
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    { UploadId: uploadId },
  );
}

export function invalidPart(): S3Failure {
  return new S3Failure(
    400,
    "InvalidPart",
    "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
  );
}
