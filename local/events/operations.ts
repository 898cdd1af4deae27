// EventBridge's operations (awsJson 1.1, `AWSEvents.<Op>`), each with the IAM action and the bus or rule
// ARN it needs: buses, rules with patterns or schedules, targets, PutEvents, TestEventPattern, tags.
import { randomUUID } from "node:crypto";
import {
  type Input,
  type Operation,
  paginate,
  ServiceError,
  toDate,
  toList,
  toNumber,
} from "../protocol/operations.ts";
import type { CloudContext, EdgeRequest, IamRequirement } from "../types.ts";
import { matchesPattern, PatternError, parsePattern } from "./pattern.ts";
import { parseSchedule } from "./schedule.ts";
import {
  type BusRecord,
  busArn,
  type EventsStore,
  type RuleRecord,
  ruleArn,
  type TargetRecord,
} from "./store.ts";
import { type BusEvent, undefinedPlaceholders } from "./targets.ts";

const NAME = /^[.\-_A-Za-z0-9]+$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]+$/;
const MAX_TARGETS = 5;

const validation = (message: string) => new ServiceError(400, "ValidationException", message);
const notFound = (message: string) => new ServiceError(400, "ResourceNotFoundException", message);
const constraint = (value: unknown, field: string, rule: string) =>
  validation(
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${rule}`,
  );

function checkName(value: unknown, field: string, pattern = NAME, max = 64): string {
  const text = value === undefined ? "" : String(value);
  if (!pattern.test(text)) {
    throw constraint(
      text,
      field,
      `Member must satisfy regular expression pattern: ${pattern.source.slice(1, -1)}`,
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

export function eventsOperations(ctx: CloudContext, store: EventsStore, hooks: EventsHooks) {
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

  const describeRule = (rule: RuleRecord) => ({
    Name: rule.name,
    Arn: rule.arn,
    ...(rule.eventPattern !== undefined ? { EventPattern: rule.eventPattern } : {}),
    ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
    State: rule.state,
    ...(rule.description !== undefined ? { Description: rule.description } : {}),
    ...(rule.roleArn !== undefined ? { RoleArn: rule.roleArn } : {}),
    EventBusName: rule.busName,
  });

  const checkTargets = (targets: Input[]): TargetRecord[] =>
    targets.map((target, index) => {
      const id = String(target.Id ?? "");
      if (!NAME.test(id)) {
        throw constraint(
          id,
          `targets.${index + 1}.member.id`,
          "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
        );
      }
      if (id.length > 64)
        throw constraint(
          id,
          `targets.${index + 1}.member.id`,
          "Member must have length less than or equal to 64",
        );
      const transformer = target.InputTransformer as TargetRecord["InputTransformer"] | undefined;
      const given = [target.Input, target.InputPath, transformer].filter((value) => value !== undefined);
      if (given.length > 1)
        throw validation(
          `Only one of Input, InputPath, or InputTransformer must be provided for target ${id}.`,
        );
      if (target.Input !== undefined) {
        try {
          JSON.parse(String(target.Input));
        } catch {
          throw validation(`Input for target ${id} is not valid JSON text.`);
        }
      }
      if (transformer) {
        const [missing] = undefinedPlaceholders(
          String(transformer.InputTemplate ?? ""),
          transformer.InputPathsMap ?? {},
        );
        if (missing)
          throw validation(`InputTemplate for target ${id} contains invalid placeholder ${missing}.`);
      }
      return target as unknown as TargetRecord;
    });

  const operations: Record<string, Operation> = {
    CreateEventBus: {
      iam: onBus("CreateEventBus"),
      run(input, req) {
        const name = checkName(input.Name, "name", BUS_NAME, 256);
        const arn = busArn(req.region, account, name);
        if (name === "default" || store.buses.has(arn)) {
          throw new ServiceError(400, "ResourceAlreadyExistsException", `Event bus ${name} already exists.`);
        }
        store.buses.set(arn, {
          region: req.region,
          name,
          arn,
          tags: tagsOf(input.Tags),
          createdAt: Date.now(),
          ...(input.Description !== undefined ? { description: String(input.Description) } : {}),
        });
        store.save();
        return { EventBusArn: arn };
      },
    },

    DeleteEventBus: {
      iam: onBus("DeleteEventBus"),
      run(input, req) {
        const name = String(input.Name ?? "");
        if (name === "default") throw validation("Cannot delete event bus default.");
        const bus = store.buses.get(busArn(req.region, account, name));
        if (bus) {
          for (const rule of store.rulesOn(bus)) {
            store.rules.delete(rule.arn);
            hooks.ruleChanged(rule, true);
          }
          store.buses.delete(bus.arn);
          store.save();
        }
        return {};
      },
    },

    DescribeEventBus: {
      iam: onBus("DescribeEventBus"),
      run(input, req) {
        const bus = busOf(req, input.Name);
        return {
          Name: bus.name,
          Arn: bus.arn,
          ...(bus.description ? { Description: bus.description } : {}),
          CreationTime: new Date(bus.createdAt),
        };
      },
    },

    ListEventBuses: {
      iam: anywhere("ListEventBuses"),
      run(input, req) {
        store.bus(req.region, "default");
        const prefix = String(input.NamePrefix ?? "");
        const buses = [...store.buses.values()].filter(
          (bus) => bus.region === req.region && bus.name.startsWith(prefix),
        );
        const { items, next } = page(buses, input);
        return {
          EventBuses: items.map((bus) => ({ Name: bus.name, Arn: bus.arn })),
          ...(next ? { NextToken: next } : {}),
        };
      },
    },

    PutRule: {
      iam: onRule("PutRule"),
      run(input, req) {
        const name = checkName(input.Name, "name");
        const bus = busOf(req, input.EventBusName);
        const pattern = input.EventPattern === undefined ? undefined : String(input.EventPattern);
        const schedule =
          input.ScheduleExpression === undefined ? undefined : String(input.ScheduleExpression);
        if (pattern === undefined && schedule === undefined) {
          throw validation("Parameter(s) EventPattern or ScheduleExpression must be specified.");
        }
        if (pattern !== undefined) checkedPattern(pattern);
        if (schedule !== undefined) {
          if (bus.name !== "default")
            throw validation("ScheduleExpression is supported only on the default event bus.");
          if (!parseSchedule(schedule)) throw validation("Parameter ScheduleExpression is not valid.");
        }
        const state = String(input.State ?? "ENABLED");
        if (state !== "ENABLED" && state !== "DISABLED") {
          throw constraint(state, "state", "Member must satisfy enum value set: [ENABLED, DISABLED]");
        }
        const arn = ruleArn(req.region, account, bus.name, name);
        const existing = store.rules.get(arn);
        const rule: RuleRecord = {
          region: req.region,
          busName: bus.name,
          name,
          arn,
          state,
          targets: existing?.targets ?? [],
          tags: { ...existing?.tags, ...tagsOf(input.Tags) },
          createdAt: existing?.createdAt ?? Date.now(),
          ...(pattern !== undefined ? { eventPattern: pattern } : {}),
          ...(schedule !== undefined ? { scheduleExpression: schedule } : {}),
          ...(input.Description !== undefined ? { description: String(input.Description) } : {}),
          ...(input.RoleArn !== undefined ? { roleArn: String(input.RoleArn) } : {}),
        };
        store.rules.set(arn, rule);
        store.save();
        hooks.ruleChanged(rule);
        return { RuleArn: arn };
      },
    },

    DeleteRule: {
      iam: onRule("DeleteRule"),
      run(input, req) {
        const bus = busOf(req, input.EventBusName);
        const rule = store.rules.get(ruleArn(req.region, account, bus.name, String(input.Name ?? "")));
        if (!rule) return {};
        if (rule.targets.length > 0) throw validation("Rule can't be deleted since it has targets.");
        store.rules.delete(rule.arn);
        store.save();
        hooks.ruleChanged(rule, true);
        return {};
      },
    },

    DescribeRule: {
      iam: onRule("DescribeRule"),
      run: (input, req) => ({ ...describeRule(ruleOf(req, input)), CreatedBy: account }),
    },

    ListRules: {
      iam: anywhere("ListRules"),
      run(input, req) {
        const prefix = String(input.NamePrefix ?? "");
        const rules = store
          .rulesOn(busOf(req, input.EventBusName))
          .filter((rule) => rule.name.startsWith(prefix));
        const { items, next } = page(rules, input);
        return { Rules: items.map(describeRule), ...(next ? { NextToken: next } : {}) };
      },
    },

    EnableRule: {
      iam: onRule("EnableRule"),
      run(input, req) {
        const rule = ruleOf(req, input);
        rule.state = "ENABLED";
        store.save();
        hooks.ruleChanged(rule);
        return {};
      },
    },

    DisableRule: {
      iam: onRule("DisableRule"),
      run(input, req) {
        const rule = ruleOf(req, input);
        rule.state = "DISABLED";
        store.save();
        hooks.ruleChanged(rule);
        return {};
      },
    },

    PutTargets: {
      iam: onRule("PutTargets"),
      run(input, req) {
        const rule = ruleOf(req, input);
        const targets = checkTargets(toList<Input>(input.Targets));
        const merged = [
          ...rule.targets.filter((old) => !targets.some((target) => target.Id === old.Id)),
          ...targets,
        ];
        if (merged.length > MAX_TARGETS) {
          throw new ServiceError(
            400,
            "LimitExceededException",
            "The requested resource exceeds the maximum number allowed.",
          );
        }
        rule.targets = merged;
        store.save();
        return { FailedEntryCount: 0, FailedEntries: [] };
      },
    },

    RemoveTargets: {
      iam: onRule("RemoveTargets"),
      run(input, req) {
        const rule = ruleOf(req, input);
        const ids = toList<string>(input.Ids).map(String);
        rule.targets = rule.targets.filter((target) => !ids.includes(target.Id));
        store.save();
        return { FailedEntryCount: 0, FailedEntries: [] };
      },
    },

    ListTargetsByRule: {
      iam: onRule("ListTargetsByRule"),
      run(input, req) {
        const { items, next } = page(ruleOf(req, input).targets, input);
        return { Targets: items, ...(next ? { NextToken: next } : {}) };
      },
    },

    ListRuleNamesByTarget: {
      iam: anywhere("ListRuleNamesByTarget"),
      run(input, req) {
        const arn = String(input.TargetArn ?? "");
        const rules = store
          .rulesOn(busOf(req, input.EventBusName))
          .filter((rule) => rule.targets.some((t) => t.Arn === arn));
        const { items, next } = page(rules, input);
        return { RuleNames: items.map((rule) => rule.name), ...(next ? { NextToken: next } : {}) };
      },
    },

    PutEvents: {
      iam: (input, req) => ({
        action: "events:PutEvents",
        resources: [
          ...new Set(
            toList<Input>(input.Entries).map((entry) =>
              busArn(req.region, account, busName(entry.EventBusName)),
            ),
          ),
        ],
      }),
      run(input, req) {
        const entries = toList<Input>(input.Entries);
        if (entries.length === 0 || entries.length > 10) {
          throw constraint(
            `[${entries.length} entries]`,
            "entries",
            entries.length === 0
              ? "Member must have length greater than or equal to 1"
              : "Member must have length less than or equal to 10",
          );
        }
        if (Buffer.byteLength(JSON.stringify(entries)) > 256 * 1024) {
          throw validation("Total size of the entries in the request is over the limit.");
        }
        const results = entries.map((entry) => putEntry(req, entry));
        return {
          FailedEntryCount: results.filter((result) => "ErrorCode" in result).length,
          Entries: results,
        };
      },
    },

    TestEventPattern: {
      iam: anywhere("TestEventPattern"),
      run(input) {
        const pattern = checkedPattern(String(input.EventPattern ?? ""));
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(String(input.Event ?? ""));
        } catch {
          throw validation("Parameter Event is not valid.");
        }
        const required = ["id", "account", "source", "time", "region", "detail-type"];
        if (!event || typeof event !== "object" || required.some((field) => !Object.hasOwn(event, field))) {
          throw validation("Parameter Event is not valid.");
        }
        return { Result: matchesPattern(pattern, event) };
      },
    },

    TagResource: {
      iam: (input) => ({ action: "events:TagResource", resources: [String(input.ResourceARN ?? "*")] }),
      run(input, req) {
        Object.assign(tagged(req, input.ResourceARN).tags, tagsOf(input.Tags));
        store.save();
        return {};
      },
    },

    UntagResource: {
      iam: (input) => ({ action: "events:UntagResource", resources: [String(input.ResourceARN ?? "*")] }),
      run(input, req) {
        const resource = tagged(req, input.ResourceARN);
        for (const key of toList<string>(input.TagKeys)) delete resource.tags[String(key)];
        store.save();
        return {};
      },
    },

    ListTagsForResource: {
      iam: (input) => ({
        action: "events:ListTagsForResource",
        resources: [String(input.ResourceARN ?? "*")],
      }),
      run(input, req) {
        const tags = tagged(req, input.ResourceARN).tags;
        return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
      },
    },
  };

  /** One PutEvents entry: checked, then put on its bus; its failure is reported in its place. */
  const putEntry = (
    req: EdgeRequest,
    entry: Input,
  ): { EventId: string } | { ErrorCode: string; ErrorMessage: string } => {
    const required = (field: string) => ({
      ErrorCode: "InvalidArgument",
      ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
    });
    if (!entry.Source) return required("Source");
    if (!entry.DetailType) return required("DetailType");
    if (entry.Detail === undefined || entry.Detail === "") return required("Detail");
    let detail: unknown;
    try {
      detail = JSON.parse(String(entry.Detail));
    } catch {
      detail = undefined;
    }
    if (!detail || typeof detail !== "object" || Array.isArray(detail)) {
      return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
    }
    const name = busName(entry.EventBusName);
    const bus = store.bus(req.region, name);
    if (!bus)
      return { ErrorCode: "ResourceNotFoundException", ErrorMessage: `Event bus ${name} does not exist.` };
    const id = randomUUID();
    const time = toDate(entry.Time) ?? new Date();
    hooks.route(bus, {
      version: "0",
      id,
      "detail-type": String(entry.DetailType),
      source: String(entry.Source),
      account,
      time: time.toISOString().replace(/\.\d{3}Z$/, "Z"),
      region: req.region,
      resources: toList<string>(entry.Resources).map(String),
      detail,
    });
    return { EventId: id };
  };

  return operations;
}
