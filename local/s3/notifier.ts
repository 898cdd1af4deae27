// Delivers S3 event notifications to Lambda after object writes and deletes. The S3 answer waits for the
// event to be on Lambda's durable queue, never for the function, as on AWS. Retries are Lambda's (Event invoke).

import type { BackendResponse } from "../protocol/http.ts";
import type { CloudContext, EdgeRequest } from "../types.ts";
import type { BucketSettingsStore } from "./extras.ts";
import type { ObjectMetadata } from "./listing.ts";
import {
  buildEventRecord,
  createSequencer,
  matchingConfigurations,
  newHostId,
  type ObjectEvent,
  s3Caller,
} from "./notifications.ts";

export interface Notifier {
  objectCreated(
    bucket: string,
    key: string,
    eventName: string,
    req: EdgeRequest,
    response: BackendResponse,
  ): Promise<void>;
  objectRemoved(bucket: string, key: string, req: EdgeRequest, response: BackendResponse): Promise<void>;
}

export function createNotifier(
  ctx: CloudContext,
  settings: BucketSettingsStore,
  metadataOf: (bucket: string, key: string) => Promise<ObjectMetadata>,
): Notifier {
  const nextSequencer = createSequencer();

  const deliver = async (event: ObjectEvent) => {
    const caller = s3Caller(event.bucket, ctx.accountId);
    for (const configuration of matchingConfigurations(
      settings.get(event.bucket).notification,
      event.eventName,
      event.key,
    )) {
      const arn = configuration.functionArn;
      const lambda = ctx.lambda;
      if (!lambda?.functionExists(arn) || !lambda.isInvokeAllowed(arn, caller)) {
        ctx.debug(
          `s3: not notifying ${arn} of ${event.eventName} ${event.bucket}/${event.key}: function missing or S3 not allowed`,
        );
        continue;
      }
      const payload = Buffer.from(JSON.stringify({ Records: [buildEventRecord(event, configuration.id)] }));
      // Awaited: the event is on Lambda's queue on disk before S3 acknowledges the request.
      await lambda
        .invoke(arn, payload, { invocationType: "Event", caller })
        .catch((error: unknown) => ctx.debug(`s3: notifying ${arn} failed: ${(error as Error).message}`));
    }
  };

  const baseEvent = (
    eventName: string,
    bucket: string,
    key: string,
    req: EdgeRequest,
    response: BackendResponse,
  ) => {
    const forwardedFor = req.headers["x-forwarded-for"];
    return {
      eventName,
      bucket,
      key,
      region: settings.get(bucket).region,
      accountId: ctx.accountId,
      time: new Date(),
      sourceIp: typeof forwardedFor === "string" ? forwardedFor.split(",")[0]!.trim() : ctx.host,
      requestId: String(response.headers["x-amz-request-id"] ?? ""),
      hostId: newHostId(),
      // Taken now, in request order, so later events on a key always carry a larger sequencer.
      sequencer: nextSequencer(),
    };
  };

  const wanted = (bucket: string, eventName: string, key: string) =>
    matchingConfigurations(settings.get(bucket).notification, eventName, key).length > 0;

  return {
    async objectCreated(bucket, key, eventName, req, response) {
      if (!wanted(bucket, eventName, key)) return;
      const event = baseEvent(eventName, bucket, key, req, response);
      await metadataOf(bucket, key)
        .then((metadata) =>
          deliver({
            ...event,
            size: Number(metadata["content-length"]),
            eTag: metadata.etag.replace(/"/g, ""),
          }),
        )
        .catch((error: unknown) =>
          ctx.debug(`s3: no event for ${bucket}/${key}: ${(error as Error).message}`),
        );
    },
    async objectRemoved(bucket, key, req, response) {
      const eventName = "s3:ObjectRemoved:Delete";
      if (!wanted(bucket, eventName, key)) return;
      await deliver(baseEvent(eventName, bucket, key, req, response));
    },
  };
}
