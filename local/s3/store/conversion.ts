// Converts a state dir written by the s3rver-based store (before issue 8) on first start: every
// `<s3>/<bucket>/**/<name>._S3rver_object` with its metadata, tags and the bucket's CORS file, and the
// bucket settings from `s3-buckets.json`, go into the new store; each old folder is removed only once
// all its objects are in, so a conversion cut short resumes where it stopped.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { parseXml } from "../../protocol/xml.ts";
import { JsonFile } from "../../state.ts";
import { parseCorsConfiguration } from "../cors.ts";
import { storedHeaders, userMetadata } from "../object-headers.ts";
import { tagsFromXml } from "../tags.ts";
import type { S3Store } from "./index.ts";
import type { BucketRecord, EncryptionRule, Tag } from "./records.ts";

const OBJECT_SUFFIX = "._S3rver_object";
const OLD_BUCKET = /^[A-Za-z0-9.-]{1,255}$/;

/** What s3-buckets.json held per bucket. */
interface OldSettings {
  region?: string;
  notification?: {
    functions?: Array<{
      id: string;
      functionArn: string;
      events: string[];
      prefix?: string;
      suffix?: string;
    }>;
    eventBridge?: boolean;
  };
  publicAccessBlock?: Record<string, boolean>;
  encryption?: EncryptionRule[];
  tags?: Tag[];
}

/** An object's metadata.json; s3rver wrote it in place, so a crash could leave it cut short. */
function readMetadata(path: string, debug: (message: string) => void): Record<string, string> {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      debug(
        `s3: ${path} is not readable JSON (${(error as Error).message}); its object keeps default headers`,
      );
    }
    return {};
  }
}

function* objectFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "._S3rver_uploads") yield* objectFiles(path);
    } else if (entry.name.endsWith(OBJECT_SUFFIX)) {
      yield path;
    }
  }
}

function settingsOf(name: string, old: OldSettings | undefined, created: number, dir: string): BucketRecord {
  const record: BucketRecord = { name, region: old?.region ?? "us-east-1", created };
  const functions = old?.notification?.functions ?? [];
  if (functions.length > 0 || old?.notification?.eventBridge) {
    record.notification = {
      targets: functions.map((entry) => ({
        id: entry.id,
        kind: "lambda" as const,
        arn: entry.functionArn,
        events: entry.events,
        ...(entry.prefix !== undefined ? { prefix: entry.prefix } : {}),
        ...(entry.suffix !== undefined ? { suffix: entry.suffix } : {}),
      })),
      ...(old?.notification?.eventBridge ? { eventBridge: true } : {}),
    };
  }
  if (old?.publicAccessBlock) record.publicAccessBlock = old.publicAccessBlock;
  if (old?.encryption) record.encryption = old.encryption;
  if (old?.tags) record.tags = old.tags;
  const cors = join(dir, "._S3rver_cors.xml");
  if (existsSync(cors)) record.cors = parseCorsConfiguration(parseXml(readFileSync(cors, "utf8")));
  return record;
}

async function convertBucket(
  store: S3Store,
  name: string,
  dir: string,
  old: OldSettings | undefined,
  debug: (message: string) => void,
): Promise<number> {
  const record = settingsOf(name, old, statSync(dir).birthtimeMs || statSync(dir).mtimeMs, dir);
  await store.createBucket(record);
  await store.updateBucket(name, (stored) => Object.assign(stored, record, { created: stored.created }));
  let count = 0;
  for (const file of objectFiles(dir)) {
    const key = relative(dir, file).slice(0, -OBJECT_SUFFIX.length).split(sep).join("/");
    const base = file.slice(0, -"object".length);
    const metadata = readMetadata(`${base}metadata.json`, debug);
    const taggingFile = `${base}tagging.xml`;
    const tags = existsSync(taggingFile)
      ? tagsFromXml(parseXml(readFileSync(taggingFile, "utf8")))
      : undefined;
    const body = await store.stage(readFileSync(file));
    await store.putObject(name, key, {
      key,
      body,
      size: body.size,
      etag: body.md5,
      headers: storedHeaders(metadata),
      metadata: userMetadata(metadata),
      lastModified: statSync(file).mtimeMs,
      ...(tags && tags.length > 0 ? { tags } : {}),
    });
    count += 1;
  }
  return count;
}

export async function convertS3rverState(options: {
  directory: string;
  settingsFile: string;
  store: S3Store;
  debug: (message: string) => void;
}): Promise<void> {
  const { directory, settingsFile, store, debug } = options;
  const oldBuckets = readdirSync(directory, { withFileTypes: true }).filter(
    (entry) => entry.isDirectory() && OLD_BUCKET.test(entry.name),
  );
  if (oldBuckets.length === 0 && !existsSync(settingsFile)) return;
  // A damaged settings file stops the start with the one line naming it that every state file gets.
  const settings = new JsonFile<Record<string, OldSettings>>(settingsFile, () => ({})).load();
  for (const entry of oldBuckets) {
    const dir = join(directory, entry.name);
    const count = await convertBucket(store, entry.name, dir, settings[entry.name], debug);
    if (existsSync(join(dir, "._S3rver_uploads"))) {
      debug(
        `s3: unfinished multipart uploads of ${entry.name} were not converted (s3rver kept them in ${dir})`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
    debug(`s3: converted s3rver bucket ${entry.name} (${count} objects)`);
  }
  rmSync(settingsFile, { force: true });
}
