// Listing mode, the assignment's method: every event lists the whole bucket and writes its size.
//
// An honest history: a record's timestamp is when its listing BEGAN (the listing saw every change made
// before then), and a listing that began before the bucket's newest stored record is dropped as
// superseded instead of stored. A slow listing that overlaps a faster, later one has nothing to add:
// the later one began after it, so it saw at least the same changes, and storing the slow one would
// either land a stale size after a newer one (what the issue saw: a later timestamp with a smaller size)
// or insert a point into a past that readers have already seen, drawn from pages read up to minutes
// after that instant. Dropping it keeps the history moving forward only, and every event still leads
// to a record: the listing that superseded it began after the event.

import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { HISTORY_KEYS, type HistoryRecord, type HistoryTrigger, recordToItem } from "../common/history.ts";
import { bucketRecordsQuery, queryFirst } from "../common/history-query.ts";
import { type BucketTotals, measureBucket, measureVersionedBucket } from "./bucket-totals.ts";
import type { TrackingContext } from "./context.ts";
import type { BucketToMeasure } from "./object-events.ts";
import { storeWithoutOverwrite } from "./store-record.ts";

export type ListingOutcome =
  | { outcome: "recorded"; record: HistoryRecord; previousTotal?: number }
  | {
      outcome: "superseded";
      bucket: string;
      trigger: HistoryTrigger;
      listingStartedAt: number;
      totals: BucketTotals;
      /** The newest stored record's timestamp, later than this listing's start. */
      newestRecordAt: number;
    };

/** Lists the bucket (versions too when it is versioned) from one instant on and sums it. */
export async function listBucketTotals(
  context: TrackingContext,
  bucket: string,
  versioned: boolean,
): Promise<BucketTotals> {
  const { s3, tally } = context;
  if (!versioned) {
    return measureBucket((token) =>
      tally.call("s3", "ListObjectsV2", () =>
        s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token })),
      ),
    );
  }
  return measureVersionedBucket((marker) =>
    tally.call("s3", "ListObjectVersions", () =>
      s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          KeyMarker: marker?.keyMarker,
          VersionIdMarker: marker?.versionIdMarker,
        }),
      ),
    ),
  );
}

/**
 * The bucket's newest record (its timestamp, and the total a notification calls previous), or
 * undefined when there is none. A role that may not
 * Query the history table (one set up before this check existed) gets undefined too: the record is then
 * stored at its listing's start without the check, which still never lands it after a later listing.
 */
async function newestRecord(context: TrackingContext, bucket: string): Promise<HistoryRecord | undefined> {
  const { dynamodb, tally, settings } = context;
  try {
    const newest = await queryFirst(
      { send: (command) => tally.call("dynamodb", "Query", () => dynamodb.send(command)) },
      bucketRecordsQuery(settings.historyTable, bucket, {}, "newest-first"),
    );
    return newest;
  } catch (error) {
    if (error instanceof Error && /AccessDenied/.test(error.name)) return undefined;
    throw error;
  }
}

export async function trackByListing(
  context: TrackingContext,
  target: BucketToMeasure,
): Promise<ListingOutcome> {
  const { dynamodb, tally, settings } = context;
  const startedAt = context.now();
  const totals = await listBucketTotals(context, target.bucket, target.versioned);
  const listingMs = context.now() - startedAt;

  const newestRecorded = await newestRecord(context, target.bucket);
  const newest = newestRecorded?.timestamp;
  if (newest !== undefined && newest > startedAt) {
    return {
      outcome: "superseded",
      bucket: target.bucket,
      trigger: target.trigger,
      listingStartedAt: startedAt,
      totals,
      newestRecordAt: newest,
    };
  }
  const record = await storeWithoutOverwrite(
    {
      bucketName: target.bucket,
      timestamp: startedAt,
      recordedAt: new Date(startedAt).toISOString(),
      ...totals,
      trigger: target.trigger,
      trackingMode: "listing",
      listingMs,
    },
    async (candidate) => {
      await tally.call("dynamodb", "PutItem", () =>
        dynamodb.send(
          new PutItemCommand({
            TableName: settings.historyTable,
            Item: recordToItem(candidate),
            ConditionExpression: "attribute_not_exists(#ts)",
            ExpressionAttributeNames: { "#ts": HISTORY_KEYS.sort },
          }),
        ),
      );
    },
  );
  return { outcome: "recorded", record, previousTotal: newestRecorded?.totalSize };
}
