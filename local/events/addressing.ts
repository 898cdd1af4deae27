// How an EventBridge request names a bus or a rule (a name or an ARN; the default bus when absent), the
// IAM requirement on it, and what all its operations refuse alike (names, patterns) in its words.
import { type Input, paginate, ServiceError, toList, toNumber } from "../protocol/operations.ts";
import type { CloudContext, EdgeRequest, IamRequirement } from "../types.ts";
import { PatternError, parsePattern } from "./pattern.ts";
import { type BusRecord, busArn, type EventsStore, type RuleRecord, ruleArn } from "./store.ts";
import type { BusEvent } from "./targets.ts";

export const NAME = /^[.\-_A-Za-z0-9]+$/;
export const BUS_NAME = /^[/.\-_A-Za-z0-9]+$/;
/** The patterns as EventBridge's model writes them (escapes included), which its refusals quote. */
const PATTERN_TEXT = new Map([
  [NAME, "[\\.\\-_A-Za-z0-9]+"],
  [BUS_NAME, "[/\\.\\-_A-Za-z0-9]+"],
]);

export const validation = (message: string) => new ServiceError(400, "ValidationException", message);
export const notFound = (message: string) => new ServiceError(400, "ResourceNotFoundException", message);
export const constraint = (value: unknown, field: string, rule: string) =>
  validation(
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${rule}`,
  );

export function checkName(value: unknown, field: string, pattern = NAME, max = 64): string {
  const text = value === undefined ? "" : String(value);
  if (!pattern.test(text)) {
    throw constraint(
      text,
      field,
      `Member must satisfy regular expression pattern: ${PATTERN_TEXT.get(pattern) ?? pattern.source.slice(1, -1)}`,
    );
  }
  if (text.length > max)
    throw constraint(text, field, `Member must have length less than or equal to ${max}`);
  return text;
}

export function checkedPattern(text: string): Record<string, unknown> {
  try {
    return parsePattern(text, { wildcard: true });
  } catch (error) {
    if (!(error instanceof PatternError)) throw error;
    throw new ServiceError(
      400,
      "InvalidEventPatternException",
      `Event pattern is not valid. Reason: ${error.message}`,
    );
  }
}

export interface EventsHooks {
  /** A rule was created, changed or deleted: its schedule (if any) must be set again. */
  ruleChanged(rule: RuleRecord, deleted?: boolean): void;
  /** Routes an event put on a bus to the matching rules' targets. */
  route(bus: BusRecord, event: BusEvent): void;
}

export type EventsAddressing = ReturnType<typeof eventsAddressing>;

export function eventsAddressing(ctx: CloudContext, store: EventsStore) {
  const account = ctx.accountId;

  /** EventBusName as a name or an ARN (the default bus when absent). */
  const busName = (value: unknown) => {
    const text = value === undefined || value === "" ? "default" : String(value);
    return text.startsWith("arn:") ? (text.split("event-bus/")[1] ?? text) : text;
  };
  const busOf = (req: EdgeRequest, value: unknown): BusRecord => {
    const name = busName(value);
    const bus = store.bus(req.region, name);
    if (!bus) throw notFound(`Event bus ${name} does not exist.`);
    return bus;
  };
  const ruleOf = (req: EdgeRequest, input: Input): RuleRecord => {
    const bus = busOf(req, input.EventBusName);
    const name = String(input.Name ?? input.Rule ?? "");
    const rule = store.rules.get(ruleArn(req.region, account, bus.name, name));
    if (!rule) throw notFound(`Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  };
  const onBus =
    (action: string) =>
    (input: Input, req: EdgeRequest): IamRequirement => ({
      action: `events:${action}`,
      resources: [busArn(req.region, account, busName(input.Name ?? input.EventBusName))],
    });
  const onRule =
    (action: string) =>
    (input: Input, req: EdgeRequest): IamRequirement => ({
      action: `events:${action}`,
      resources: [
        ruleArn(req.region, account, busName(input.EventBusName), String(input.Name ?? input.Rule ?? "")),
      ],
    });
  const anywhere = (action: string) => (): IamRequirement => ({
    action: `events:${action}`,
    resources: ["*"],
  });
  const tagged = (req: EdgeRequest, arn: unknown): { tags: Record<string, string> } => {
    const text = String(arn ?? "");
    const found = store.rules.get(text) ?? store.buses.get(text);
    if (!found || !text.includes(`:${req.region}:`)) {
      throw notFound(
        `${text.includes(":rule/") ? "Rule" : "Event bus"} ${text.split("/").pop()} does not exist.`,
      );
    }
    return found;
  };
  const tagsOf = (given: unknown) =>
    Object.fromEntries(
      toList<{ Key?: unknown; Value?: unknown }>(given).map((tag) => [
        String(tag.Key),
        String(tag.Value ?? ""),
      ]),
    );
  const page = <T>(items: T[], input: Input) =>
    paginate(items, input.NextToken, toNumber(input.Limit) ?? 100);

  return { busName, busOf, ruleOf, onBus, onRule, anywhere, tagged, tagsOf, page };
}
