// `s3size failures`: the tracker's events that failed after their retries, as Lambda left them in the
// failure queue (newest first: time, object key, error). `--redrive` runs the tracker again on each and
// deletes the ones that now succeed; `--purge` deletes the ones listed, after asking.
//
// SQS has no "peek": the messages are received (hidden for a while) and the ones kept are made visible
// again at once, so listing changes nothing but their receive count.
import { InvokeCommand } from "@aws-sdk/client-lambda";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import { EXIT, UserError } from "../errors.ts";
import { failureQueueUrl } from "../provision/failure-queue.ts";
import { isConflict, isThrottle, withRetry } from "../retry.ts";
import type { Session } from "../session.ts";
import { countOf } from "./setup.ts";
import { askOnTerminal } from "./teardown.ts";
import type { CommandSpec } from "./types.ts";

/** One failed event as `failures` shows it. */
export interface FailureEntry {
  messageId: string;
  receiptHandle: string;
  /** When Lambda gave up on the event (the invocation record's timestamp). */
  time: string;
  keys: string[];
  error: string;
  /** RetriesExhausted or EventAgeExceeded. */
  condition?: string;
  attempts?: number;
  /** The original event, as the tracker was invoked with it. */
  payload: unknown;
}

interface InvocationRecord {
  timestamp?: string;
  requestContext?: { condition?: string; approximateInvokeCount?: number };
  requestPayload?: unknown;
  responseContext?: { functionError?: string };
  responsePayload?: { errorMessage?: string; errorType?: string } | string | null;
}

/** The object keys an S3 notification or an EventBridge object event names (S3 encodes keys as in a form). */
export function eventKeys(payload: unknown): string[] {
  const event = payload as {
    Records?: Array<{ s3?: { bucket?: { name?: string }; object?: { key?: string } } }>;
    detail?: { bucket?: { name?: string }; object?: { key?: string } };
  };
  const decode = (key: string) => {
    try {
      return decodeURIComponent(key.replace(/\+/g, " "));
    } catch {
      return key;
    }
  };
  if (Array.isArray(event?.Records)) {
    return event.Records.flatMap((r) => (r.s3?.object?.key ? [decode(r.s3.object.key)] : []));
  }
  if (event?.detail?.object?.key) return [event.detail.object.key];
  return [];
}

/** Reads Lambda's invocation record (the body of an on-failure message) into a list entry. */
export function failureEntry(message: Message): FailureEntry {
  let record: InvocationRecord = {};
  try {
    record = JSON.parse(message.Body ?? "{}") as InvocationRecord;
  } catch {
    // Not Lambda's record (sent by hand?): listed with what is known, never redriven blindly.
  }
  const response = record.responsePayload;
  const error =
    typeof response === "string"
      ? response
      : response?.errorMessage
        ? `${response.errorType && response.errorType !== "Error" ? `${response.errorType}: ` : ""}${response.errorMessage}`
        : (record.responseContext?.functionError ?? record.requestContext?.condition ?? "unknown error");
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    time: record.timestamp ?? "",
    keys: eventKeys(record.requestPayload),
    error,
    ...(record.requestContext?.condition ? { condition: record.requestContext.condition } : {}),
    ...(record.requestContext?.approximateInvokeCount
      ? { attempts: record.requestContext.approximateInvokeCount }
      : {}),
    payload: record.requestPayload,
  };
}

/** Every message in the queue, each received once and hidden while this command works on it. */
async function receiveAll(session: Session, queueUrl: string, hideSeconds: number): Promise<FailureEntry[]> {
  const { sqs } = session.clients;
  const seen = new Map<string, FailureEntry>();
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: hideSeconds,
        // A short poll samples some of SQS's servers and can come back empty while messages remain;
        // a long poll asks them all, so an answer with nothing new ends the walk.
        WaitTimeSeconds: 1,
      }),
    );
    const fresh = Messages.filter((m) => m.MessageId && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const message of fresh) seen.set(message.MessageId!, failureEntry(message));
  }
  return [...seen.values()].sort((a, b) => b.time.localeCompare(a.time));
}

async function release(session: Session, queueUrl: string, entry: FailureEntry): Promise<void> {
  await session.clients.sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: entry.receiptHandle,
      VisibilityTimeout: 0,
    }),
  );
}

async function remove(session: Session, queueUrl: string, entry: FailureEntry): Promise<void> {
  await session.clients.sqs.send(
    new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: entry.receiptHandle }),
  );
}

/** Runs the tracker on the event again, synchronously: undefined when it succeeded, else its error. */
async function redriveOne(
  session: Session,
  functionName: string,
  entry: FailureEntry,
): Promise<string | undefined> {
  if (entry.payload === undefined) return "the message holds no event to run again";
  const response = await withRetry(
    () =>
      session.clients.lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: "RequestResponse",
          Payload: JSON.stringify(entry.payload),
        }),
      ),
    { when: [isThrottle, isConflict] },
  );
  if (!response.FunctionError) return undefined;
  const text = new TextDecoder().decode(response.Payload);
  try {
    return (JSON.parse(text) as { errorMessage?: string }).errorMessage ?? text;
  } catch {
    return text;
  }
}

export interface FailuresOptions {
  redrive?: boolean;
  purge?: boolean;
}

export const failuresCommand: CommandSpec = {
  options: [
    {
      flags: "--redrive",
      description: "run the tracker again on each failed event; delete the ones that succeed",
    },
    { flags: "--purge", description: "delete the failed events listed (asks first unless --yes)" },
  ],
  async run(session, options) {
    const { output } = session;
    const opts = options as FailuresOptions;
    if (opts.redrive && opts.purge)
      throw new UserError("--redrive and --purge do opposite things", "use one of them");
    await session.account();
    const names = await session.names();
    const queueUrl = await failureQueueUrl(session.clients.sqs, names.failureQueue);
    if (!queueUrl) {
      throw new UserError(`the failure queue ${names.failureQueue} does not exist`, "run s3size setup first");
    }
    // Hidden long enough for a redrive of each (the tracker's timeout is 60 s), made visible again below.
    const entries = await receiveAll(session, queueUrl, opts.redrive ? 300 : 60);
    const results: Array<FailureEntry & { redrive?: "succeeded" | string; purged?: boolean }> = [];
    try {
      if (opts.redrive) {
        for (const entry of entries) {
          const error = await output
            .step(
              `running ${names.functions["size-tracking"]} again on ${entry.keys.join(", ") || entry.messageId}`,
              () => redriveOne(session, names.functions["size-tracking"], entry),
              (failed) => (failed ? `failed again: ${failed}` : "recorded; removed from the queue"),
            )
            .catch((reason: unknown) => (reason instanceof Error ? reason.message : String(reason)));
          if (error === undefined) await remove(session, queueUrl, entry);
          results.push({ ...entry, redrive: error ?? "succeeded" });
        }
      } else if (opts.purge && entries.length > 0) {
        const question = `delete ${countOf(entries.length, "failed event")} from ${names.failureQueue}? [y/N] `;
        if (!session.options.yes) {
          if (!session.io.stdinIsTTY) {
            throw new UserError(
              `--purge would delete ${countOf(entries.length, "failed event")} and cannot ask for confirmation`,
              "run it again with --yes",
            );
          }
          const ask = session.io.confirm ?? askOnTerminal;
          if (!(await ask(question))) throw new UserError("nothing was deleted", "answer y, or pass --yes");
        }
        for (const entry of entries) {
          await remove(session, queueUrl, entry);
          results.push({ ...entry, purged: true });
        }
      } else {
        results.push(...entries);
      }
    } finally {
      // Whatever stays in the queue is visible again for the next look.
      const kept = entries.filter(
        (entry) =>
          !results.some((r) => r.messageId === entry.messageId && (r.redrive === "succeeded" || r.purged)),
      );
      await Promise.allSettled(kept.map((entry) => release(session, queueUrl, entry)));
    }
    const left = results.filter((r) => !(r.redrive === "succeeded" || r.purged)).length;
    const document = {
      queue: names.failureQueue,
      failures: results.map(({ receiptHandle: _, payload, ...shown }) => ({ ...shown, event: payload })),
      left,
    };
    output.result(document, () => {
      if (entries.length === 0) {
        output.line(`no failed events in ${names.failureQueue}`);
        return;
      }
      if (!opts.redrive && !opts.purge) {
        output.table(
          ["time (UTC)", "object key", "error"],
          results.map((r) => [r.time.replace("T", " ").slice(0, 19), r.keys.join(", ") || "-", r.error]),
          [false, false, false],
        );
        output.line(
          `${countOf(entries.length, "failed event")}; run again with --redrive once the cause is fixed`,
        );
      } else if (opts.redrive) {
        output.line(
          `${entries.length - left} redriven and removed, ${left} still failing (kept in the queue)`,
        );
      } else {
        output.line(`deleted ${countOf(entries.length, "failed event")}`);
      }
    });
    return opts.redrive && left > 0 ? EXIT.failure : EXIT.ok;
  },
};
