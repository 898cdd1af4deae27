// EventBridge's bus operations, each with the IAM action and bus ARN it needs: event buses, PutEvents
// (entries checked one by one, then routed to the matching rules), TestEventPattern, and tags.
import { randomUUID } from "node:crypto";
import { type Input, type Operation, ServiceError, toDate, toList } from "../protocol/operations.ts";
import type { CloudContext, EdgeRequest } from "../types.ts";
import {
  BUS_NAME,
  checkedPattern,
  checkName,
  constraint,
  type EventsAddressing,
  type EventsHooks,
  validation,
} from "./addressing.ts";
import { matchesPattern } from "./pattern.ts";
import { busArn, type EventsStore } from "./store.ts";

export function busOperations(
  ctx: CloudContext,
  store: EventsStore,
  hooks: EventsHooks,
  address: EventsAddressing,
) {
  const account = ctx.accountId;
  const { busName, busOf, onBus, anywhere, tagged, tagsOf, page } = address;

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
