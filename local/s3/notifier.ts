// Delivers S3 event notifications once the change is committed and before S3 answers, so an
// acknowledged event never lives only in this process: Lambda's asynchronous queue, SQS, SNS and
// EventBridge have each taken it. The realism switches deliver some events twice or out of order.
import type { CloudContext } from "../types.ts";
import { buildEventBridgeEvent, buildEventRecord, type ObjectEvent, sequencerOf } from "./events.ts";
import { matchingTargets, type NotificationTarget, s3Caller } from "./notification-config.ts";
import type { BucketRecord } from "./store/records.ts";
import { header, type S3Call } from "./wire.ts";

export interface Change {
  /** With the "s3:" prefix, e.g. "s3:ObjectCreated:Put". */
  eventName: string;
  key: string;
  /** The store's sequence number of the change (a key's later changes have larger ones). */
  seq: number;
  reason: string;
  size?: number;
  etag?: string;
  versionId?: string;
  deletionType?: ObjectEvent["deletionType"];
}

export interface Notifier {
  /** Hands one committed change to every destination that wants it; resolves once each has taken it. */
  publish(bucket: BucketRecord, change: Change, call: S3Call): Promise<void>;
  /** Delivers what the reorder switch is still holding back. */
  flush(): Promise<void>;
}

export function createNotifier(ctx: CloudContext): Notifier {
  const held = new Set<{ timer: NodeJS.Timeout; deliver: () => Promise<void> }>();

  const deliverTo = async (target: NotificationTarget, event: ObjectEvent): Promise<void> => {
    const message = JSON.stringify({ Records: [buildEventRecord(event, target.id)] });
    const caller = s3Caller(event.bucket, ctx.accountId);
    if (target.kind === "lambda") {
      const lambda = ctx.lambda;
      if (!lambda?.functionExists(target.arn) || !lambda.isInvokeAllowed(target.arn, caller)) {
        ctx.debug(
          `s3: ${event.eventName} ${event.bucket}/${event.key} not delivered: ${target.arn} is missing or refuses S3`,
        );
        return;
      }
      await lambda.invoke(target.arn, Buffer.from(message), { invocationType: "Event", caller });
    } else if (target.kind === "queue") {
      if (!ctx.sqs) throw new Error("SQS is not running in this local cloud");
      await ctx.sqs.sendMessage(target.arn, message, undefined, caller);
    } else {
      if (!ctx.sns) throw new Error("SNS is not running in this local cloud");
      await ctx.sns.publish(target.arn, message, { subject: "Amazon S3 Notification", caller });
    }
  };

  const deliver = async (
    event: ObjectEvent,
    targets: NotificationTarget[],
    eventBridge: boolean,
  ): Promise<void> => {
    const deliveries = targets.map((target) =>
      deliverTo(target, event).catch((error: unknown) =>
        ctx.debug(`s3: delivering ${event.eventName} to ${target.arn} failed: ${(error as Error).message}`),
      ),
    );
    const bridged = eventBridge ? buildEventBridgeEvent(event) : undefined;
    if (bridged && ctx.events) {
      deliveries.push(
        ctx.events
          .putEvent(event.region, bridged)
          .catch((error: unknown) =>
            ctx.debug(`s3: EventBridge refused ${event.eventName}: ${(error as Error).message}`),
          ),
      );
    }
    await Promise.all(deliveries);
  };

  /** Out-of-order delivery: each copy waits a random part of the window (held in memory meanwhile). */
  const later = (windowMs: number, run: () => Promise<void>) => {
    const entry = {
      timer: setTimeout(() => {
        held.delete(entry);
        void run();
      }, Math.random() * windowMs),
      deliver: run,
    };
    held.add(entry);
  };

  return {
    async publish(bucket, change, call) {
      const configuration = bucket.notification;
      const targets = matchingTargets(configuration, change.eventName, change.key);
      const eventBridge = configuration?.eventBridge === true;
      if (targets.length === 0 && !eventBridge) return;
      const forwardedFor = header(call, "x-forwarded-for");
      const event: ObjectEvent = {
        eventName: change.eventName,
        bucket: bucket.name,
        key: change.key,
        region: bucket.region,
        accountId: ctx.accountId,
        time: new Date(Math.floor(change.seq / 1000)),
        sourceIp: forwardedFor?.split(",")[0]?.trim() || ctx.host,
        requestId: call.requestId,
        hostId: call.hostId,
        sequencer: sequencerOf(change.seq),
        reason: change.reason,
        ...(change.size !== undefined ? { size: change.size } : {}),
        ...(change.etag !== undefined ? { eTag: change.etag } : {}),
        ...(change.versionId !== undefined ? { versionId: change.versionId } : {}),
        ...(change.deletionType ? { deletionType: change.deletionType } : {}),
      };
      const copies = Math.random() < ctx.realism.eventDuplicates ? 2 : 1;
      for (let copy = 0; copy < copies; copy++) {
        if (ctx.realism.eventReorderMs > 0)
          later(ctx.realism.eventReorderMs, () => deliver(event, targets, eventBridge));
        else await deliver(event, targets, eventBridge);
      }
    },

    async flush() {
      const pending = [...held];
      held.clear();
      for (const entry of pending) clearTimeout(entry.timer);
      await Promise.all(pending.map((entry) => entry.deliver()));
    },
  };
}
