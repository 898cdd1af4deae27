// The local cloud's EventBridge: the default bus (and custom ones), rules with event patterns or
// schedules that run while the cloud runs, Lambda/SQS/SNS targets, PutEvents and TestEventPattern,
// persisted in `<dataDir>/events/`; and `ctx.events` for the services that put events (S3).
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { awsJsonWire } from "../protocol/json.ts";
import { dispatch, ServiceError } from "../protocol/operations.ts";
import type { CloudContext, Service } from "../types.ts";
import { eventsAddressing } from "./addressing.ts";
import { busOperations } from "./bus-operations.ts";
import { matchesPattern, parsePattern } from "./pattern.ts";
import { ruleOperations } from "./rule-operations.ts";
import { nextFire, parseSchedule } from "./schedule.ts";
import { EventsStore, type RuleRecord } from "./store.ts";
import { type BusEvent, TargetDelivery } from "./targets.ts";

/** setTimeout's limit is about 24.8 days; a schedule further off is looked at again after a day. */
const MAX_TIMER_MS = 24 * 3600_000;

export async function createEventsService(ctx: CloudContext): Promise<Service> {
  const store = new EventsStore(join(ctx.dataDir, "events"), ctx.accountId);
  const delivery = new TargetDelivery(ctx);
  const timers = new Map<string, NodeJS.Timeout>();

  /** (Re)arms a scheduled rule's timer; an event pattern rule has none. */
  const schedule = (rule: RuleRecord, deleted = false) => {
    clearTimeout(timers.get(rule.arn));
    timers.delete(rule.arn);
    const parsed = rule.scheduleExpression ? parseSchedule(rule.scheduleExpression) : undefined;
    if (deleted || !parsed || rule.state !== "ENABLED") return;
    const at = nextFire(parsed, Date.now(), rule.createdAt, ctx.realism.scheduleMinuteMs);
    if (at === undefined) return;
    const due = at - Date.now();
    const timer = setTimeout(
      () => {
        timers.delete(rule.arn);
        const current = store.rules.get(rule.arn);
        if (!current) return;
        if (due <= MAX_TIMER_MS) {
          delivery.deliver(current, {
            version: "0",
            id: randomUUID(),
            "detail-type": "Scheduled Event",
            source: "aws.events",
            account: ctx.accountId,
            time: new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z"),
            region: current.region,
            resources: [current.arn],
            detail: {},
          });
        }
        schedule(current);
      },
      Math.min(Math.max(0, due), MAX_TIMER_MS),
    );
    timers.set(rule.arn, timer);
  };

  const route = (bus: { region: string; name: string }, event: BusEvent) => {
    for (const rule of store.rules.values()) {
      if (
        rule.region !== bus.region ||
        rule.busName !== bus.name ||
        rule.state !== "ENABLED" ||
        !rule.eventPattern
      )
        continue;
      if (matchesPattern(parsePattern(rule.eventPattern, { wildcard: true }), event))
        delivery.deliver(rule, event);
    }
  };

  const hooks = { ruleChanged: schedule, route };
  const address = eventsAddressing(ctx, store);
  const operations = {
    ...busOperations(ctx, store, hooks, address),
    ...ruleOperations(ctx, store, hooks, address),
  };
  for (const rule of store.rules.values()) schedule(rule);

  ctx.events = {
    async putEvent(region, event) {
      const bus = store.bus(region, event.busName ?? "default");
      if (!bus) throw new Error(`EventBridge bus ${event.busName} does not exist in ${region}`);
      route(bus, {
        version: "0",
        id: randomUUID(),
        "detail-type": event.detailType,
        source: event.source,
        account: ctx.accountId,
        time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        region,
        resources: event.resources,
        detail: event.detail,
      });
    },
  };

  const wire = awsJsonWire({ contentType: "application/x-amz-json-1.1" });
  return {
    name: "events",
    handle: (req, res) =>
      dispatch(ctx, req, res, wire, operations, {
        unknownOperation: (name) =>
          new ServiceError(400, "UnknownOperationException", `Unknown operation ${name}`),
        accessDenied: (message) => new ServiceError(400, "AccessDeniedException", message),
      }),
    async close() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      delivery.close();
    },
  };
}
