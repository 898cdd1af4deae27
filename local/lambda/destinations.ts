// Where a finished asynchronous invocation is reported: AWS's invocation record, sent with the function's
// execution role to an SQS queue, an SNS topic, an EventBridge bus or another function (asynchronously).
import type { CloudContext, IamRequirement } from "../types.ts";

export type Condition = "Success" | "RetriesExhausted" | "EventAgeExceeded";

const ACTIONS = new Map([
  ["sqs", "sqs:SendMessage"],
  ["sns", "sns:Publish"],
  ["lambda", "lambda:InvokeFunction"],
  ["events", "events:PutEvents"],
]);

/** The service of a destination ARN Lambda can deliver to, or undefined. */
export function destinationService(arn: string): string | undefined {
  const [, , service, , , resource = ""] = arn.split(":");
  if (!service || !ACTIONS.has(service)) return undefined;
  if (service === "events" && !resource.startsWith("event-bus/")) return undefined;
  if (service === "lambda" && !resource.startsWith("function")) return undefined;
  return service;
}

/** What the execution role must be allowed to do to deliver to `arn`. */
export function destinationRequirement(arn: string): IamRequirement {
  const service = destinationService(arn);
  if (!service) throw new Error(`not a destination Lambda delivers to: ${arn}`);
  return { action: ACTIONS.get(service)!, resources: [arn] };
}

export interface RecordInput {
  requestId: string;
  /** The qualified ARN that ran (`…:function:name:$LATEST`). */
  functionArn: string;
  condition: Condition;
  approximateInvokeCount: number;
  requestPayload: string;
  /** The last execution's answer; absent when none ran (an event too old before its first attempt). */
  response?: { functionError?: string; payload: string };
}

/** The invocation record AWS sends to destinations. */
export function invocationRecord(input: RecordInput, now = new Date()): Record<string, unknown> {
  const { response } = input;
  return {
    version: "1.0",
    timestamp: now.toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    requestPayload: jsonOrText(input.requestPayload),
    ...(response
      ? {
          responseContext: {
            statusCode: 200,
            executedVersion: "$LATEST",
            ...(response.functionError ? { functionError: response.functionError } : {}),
          },
          responsePayload: jsonOrText(response.payload),
        }
      : {}),
  };
}

/** Sends a record as `roleArn` would; throws when the role may not, or the destination refuses it. */
export async function sendRecord(
  ctx: CloudContext,
  roleArn: string,
  destinationArn: string,
  record: Record<string, unknown>,
): Promise<void> {
  const verdict = ctx.iam?.evaluateRole?.(roleArn, destinationRequirement(destinationArn));
  if (verdict && !verdict.allowed) throw new Error(verdict.message);
  const body = JSON.stringify(record);
  const service = destinationService(destinationArn);
  if (service === "sqs") await required(ctx.sqs, "SQS").sendMessage(destinationArn, body);
  else if (service === "sns") await required(ctx.sns, "SNS").publish(destinationArn, body);
  else if (service === "lambda") {
    await required(ctx.lambda, "Lambda").invoke(destinationArn, Buffer.from(body), {
      invocationType: "Event",
    });
  } else {
    const [, , , region = ctx.region, , resource = ""] = destinationArn.split(":");
    const context = record.requestContext as { condition: Condition; functionArn: string };
    await required(ctx.events, "EventBridge").putEvent(region, {
      source: "lambda",
      detailType: `Lambda Function Invocation Result - ${context.condition === "Success" ? "Success" : "Failure"}`,
      detail: record,
      resources: [destinationArn, context.functionArn],
      busName: resource.slice("event-bus/".length),
    });
  }
}

function required<T>(service: T | undefined, name: string): T {
  if (!service) throw new Error(`the local cloud runs no ${name} to deliver to`);
  return service;
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
