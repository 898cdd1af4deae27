// A storm of object changes: puts, overwrites and deletes run against a bucket, each returned with the
// S3 notification record it stands for (size, ETag, S3's request id, a sequencer that orders each
// key's changes), so a test can replay the tracker's records against them. Seeded, so a failure can be
// replayed.
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";

export type StormEvent = ReturnType<typeof eventRecord>;

/** mulberry32: a small seeded generator, enough to shuffle and pick. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** S3 URL-encodes keys in event records like a form: spaces as '+', '/' kept. */
const encodeEventKey = (key: string) => encodeURIComponent(key).replace(/%20/g, "+").replace(/%2F/g, "/");

function eventRecord(
  bucket: string,
  key: string,
  sequence: number,
  change: { size: number; etag: string } | undefined,
  requestId = `storm-${sequence}`,
) {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: "us-east-1",
    eventTime: new Date().toISOString(),
    eventName: change ? "ObjectCreated:Put" : "ObjectRemoved:Delete",
    responseElements: { "x-amz-request-id": requestId },
    s3: {
      s3SchemaVersion: "1.0",
      bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: encodeEventKey(key),
        ...(change ? { size: change.size, eTag: change.etag } : {}),
        // Hex, of varying length, so the left-padding rule is exercised too.
        sequencer: sequence.toString(16).toUpperCase(),
      },
    },
  };
}

export interface StormPlan {
  ops: number;
  keys: number;
  seed: number;
  /** Changes in flight at once (never two on one key). */
  concurrency: number;
}

/**
 * Runs the storm's changes against the bucket; the events come back in the order the changes happened,
 * each carrying the request id S3 answered with, as the notification S3 sends for it does.
 */
export async function runStormChanges(s3: S3Client, bucket: string, plan: StormPlan): Promise<StormEvent[]> {
  const random = seededRandom(plan.seed);
  const present = new Set<string>();
  const steps = Array.from({ length: plan.ops }, (_, i) => {
    const key = `storm/${String(Math.floor(random() * plan.keys)).padStart(4, "0")} item.bin`;
    const remove = present.has(key) && random() < 0.35;
    if (remove) present.delete(key);
    else present.add(key);
    return { key, sequence: 0x100 + i * 7, size: remove ? undefined : 1 + Math.floor(random() * 2000) };
  });
  const events: Array<StormEvent | undefined> = new Array(steps.length);
  // Each key's changes in order, keys side by side.
  const chains = new Map<string, Promise<void>>();
  let inFlight = 0;
  const waiting: Array<() => void> = [];
  const slot = async () => {
    while (inFlight >= plan.concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight++;
  };
  const release = () => {
    inFlight--;
    waiting.shift()?.();
  };
  steps.forEach((step, i) => {
    const previous = chains.get(step.key) ?? Promise.resolve();
    chains.set(
      step.key,
      previous.then(async () => {
        await slot();
        try {
          if (step.size === undefined) {
            const answer = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: step.key }));
            events[i] = eventRecord(bucket, step.key, step.sequence, undefined, answer.$metadata.requestId);
          } else {
            const answer = await s3.send(
              new PutObjectCommand({ Bucket: bucket, Key: step.key, Body: Buffer.alloc(step.size, i % 251) }),
            );
            const etag = (answer.ETag ?? "").replace(/"/g, "");
            events[i] = eventRecord(
              bucket,
              step.key,
              step.sequence,
              { size: step.size, etag },
              answer.$metadata.requestId,
            );
          }
        } finally {
          release();
        }
      }),
    );
  });
  await Promise.all(chains.values());
  return events as StormEvent[];
}

/** Invokes the tracker and waits for its answer; a function error is thrown with its payload. */
export async function invokeTracker(
  lambda: LambdaClient,
  functionName: string,
  payload: unknown,
): Promise<unknown> {
  const answer = await lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  const text = Buffer.from(answer.Payload ?? []).toString("utf8");
  if (answer.FunctionError) throw new Error(`the tracker failed: ${text}`);
  return JSON.parse(text || "null");
}
