// What a rule's target receives (the event, a constant Input, the part at InputPath, or an
// InputTransformer's template filled in) and its delivery to Lambda, SQS or SNS on the rule's behalf
// (events.amazonaws.com with the rule's ARN as source), retried, then sent to the target's dead-letter queue.
import type { CloudContext, InvokeCaller } from "../types.ts";
import type { RuleRecord, TargetRecord } from "./store.ts";

export interface BusEvent {
  version: "0";
  id: string;
  "detail-type": string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

/** A JSONPath as EventBridge's InputPath and InputPathsMap take them: `$`, `$.a.b`, `$.list[0]`. */
export function selectPath(document: unknown, path: string): unknown {
  if (!/^\$((\.[^.[\]]+)|(\[\d+\]))*$/.test(path)) return undefined;
  let value: unknown = document;
  for (const [, key, index] of path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) {
    if (value === null || typeof value !== "object") return undefined;
    const record = value as Record<string, unknown>;
    const step = key ?? index!;
    value = Object.hasOwn(record, step) ? record[step] : undefined;
  }
  return value;
}

export const PLACEHOLDER = /<([\w.-]+)>/g;
const PREDEFINED = new Set([
  "aws.events.rule-arn",
  "aws.events.rule-name",
  "aws.events.event.ingestion-time",
  "aws.events.event",
  "aws.events.event.json",
]);

/** The placeholders a template uses that neither the paths map nor EventBridge defines. */
export function undefinedPlaceholders(template: string, paths: Record<string, string>): string[] {
  return [...template.matchAll(PLACEHOLDER)]
    .map((match) => match[1]!)
    .filter((name) => !Object.hasOwn(paths, name) && !PREDEFINED.has(name));
}

export function targetInput(target: TargetRecord, event: BusEvent, rule: RuleRecord): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) return JSON.stringify(selectPath(event, target.InputPath) ?? null);
  const transformer = target.InputTransformer;
  if (!transformer) return JSON.stringify(event);
  const values: Record<string, unknown> = {
    "aws.events.rule-arn": rule.arn,
    "aws.events.rule-name": rule.name,
    "aws.events.event.ingestion-time": new Date().toISOString(),
    "aws.events.event": event,
    "aws.events.event.json": event,
  };
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {}))
    values[name] = selectPath(event, path);
  const template = transformer.InputTemplate;
  return template.replace(PLACEHOLDER, (whole, name: string, offset: number) => {
    if (!Object.hasOwn(values, name)) return whole;
    const value = values[name];
    const quoted = template[offset - 1] === '"' && template[offset + whole.length] === '"';
    // Inside quotes a string goes in as its escaped text; outside, strings go in bare and others as JSON.
    if (typeof value === "string") return quoted ? JSON.stringify(value).slice(1, -1) : value;
    if (value === undefined) return quoted ? "" : "null";
    return JSON.stringify(value);
  });
}

/** Local retries of a failed delivery (EventBridge retries for up to a day; this keeps tests short). */
const MAX_LOCAL_RETRIES = 2;

export class TargetDelivery {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly ctx: CloudContext) {}

  deliver(rule: RuleRecord, event: BusEvent): void {
    for (const target of rule.targets) this.attempt(rule, target, event, targetInput(target, event, rule), 0);
  }

  private attempt(
    rule: RuleRecord,
    target: TargetRecord,
    event: BusEvent,
    input: string,
    retry: number,
  ): void {
    this.send(rule, target, input).catch((error: Error) => {
      this.ctx.debug(`events: ${rule.name} → ${target.Arn} failed: ${error.message}`);
      const allowed = Math.min(
        target.RetryPolicy?.MaximumRetryAttempts ?? MAX_LOCAL_RETRIES,
        MAX_LOCAL_RETRIES,
      );
      if (retry < allowed) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.attempt(rule, target, event, input, retry + 1);
        }, this.ctx.realism.asyncRetryDelayMs);
        this.timers.add(timer);
        return;
      }
      const deadLetter = target.DeadLetterConfig?.Arn;
      if (deadLetter && this.ctx.sqs) {
        this.ctx.sqs
          .sendMessage(deadLetter, JSON.stringify(event), undefined, this.caller(rule))
          .catch((dlqError: Error) =>
            this.ctx.debug(`events: dead-letter queue ${deadLetter}: ${dlqError.message}`),
          );
      }
    });
  }

  private caller(rule: RuleRecord): InvokeCaller {
    return { principal: "events.amazonaws.com", sourceArn: rule.arn, sourceAccount: this.ctx.accountId };
  }

  private async send(rule: RuleRecord, target: TargetRecord, input: string): Promise<void> {
    const service = target.Arn.split(":")[2];
    const caller = this.caller(rule);
    if (service === "lambda" && this.ctx.lambda) {
      if (!this.ctx.lambda.isInvokeAllowed(target.Arn, caller)) {
        throw new Error(
          `the policy of ${target.Arn} does not allow events.amazonaws.com to invoke it for ${rule.arn}`,
        );
      }
      await this.ctx.lambda.invoke(target.Arn, Buffer.from(input), { invocationType: "Event", caller });
    } else if (service === "sqs" && this.ctx.sqs) {
      await this.ctx.sqs.sendMessage(target.Arn, input, undefined, caller);
    } else if (service === "sns" && this.ctx.sns) {
      await this.ctx.sns.publish(target.Arn, input, { caller });
    } else {
      throw new Error(`the local cloud does not deliver to ${service} targets`);
    }
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
