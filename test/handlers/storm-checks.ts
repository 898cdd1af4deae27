// What the tracker's acceptance tests check a storm's history against: a fresh listing, and a plain
// model of the bucket replayed record by record.
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import type { StormEvent } from "../../bench/tracker-storm.ts";
import type { HistoryRecord } from "../../handlers/common/history.ts";
import { bucketRecordsQuery, queryAll } from "../../handlers/common/history-query.ts";
import { decodeS3Key } from "../../handlers/tracking/object-events.ts";
import { compareSequencers } from "../../handlers/tracking/sequencer.ts";
import type { TestCloud } from "../local/cloud.ts";

export async function listing(s3: S3Client, bucket: string) {
  let totalSize = 0;
  let objectCount = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      totalSize += object.Size ?? 0;
      objectCount += 1;
    }
    token = page.NextContinuationToken;
  } while (token);
  return { totalSize, objectCount };
}

/**
 * Replays the records in the order the total took them, applying each one's event to a plain model of
 * the bucket (each key at the state of its latest event by sequencer): every record must equal the
 * model after its event, and no event may appear twice.
 */
export function checkEveryRecord(records: HistoryRecord[], events: StormEvent[]) {
  const byRequest = new Map(events.map((e) => [e.responseElements["x-amz-request-id"], e]));
  const keys = new Map<string, { seq: string; size: number }>();
  const seen = new Set<string>();
  for (const record of records.slice(1)) {
    const requestId = record.trigger?.requestId ?? "";
    expect(seen.has(requestId), `event ${requestId} recorded twice`).to.equal(false);
    seen.add(requestId);
    const event = byRequest.get(requestId)!;
    const key = decodeS3Key(event.s3.object.key);
    const stored = keys.get(key);
    expect(
      !stored || compareSequencers(stored.seq, event.s3.object.sequencer) < 0,
      `an overtaken event for ${key} was applied`,
    ).to.equal(true);
    keys.set(key, {
      seq: event.s3.object.sequencer,
      size: event.eventName.startsWith("ObjectCreated") ? (event.s3.object.size ?? 0) : -1,
    });
    const live = [...keys.values()].filter((k) => k.size >= 0);
    const model = { totalSize: live.reduce((sum, k) => sum + k.size, 0), objectCount: live.length };
    expect(
      { totalSize: record.totalSize, objectCount: record.objectCount },
      `record for ${requestId}`,
    ).to.deep.equal(model);
  }
}

/** Polls (bounded) until the bucket has at least `count` records; returns them oldest first. */
export async function waitForRecords(test: TestCloud, table: string, bucket: string, count: number) {
  const until = Date.now() + 60_000;
  for (;;) {
    const records = await queryAll(
      test.clients.dynamodb,
      bucketRecordsQuery(table, bucket, {}, "oldest-first"),
    );
    if (records.length >= count) return records;
    if (Date.now() > until)
      throw new Error(`${records.length} records of ${bucket} after a minute, expected ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
