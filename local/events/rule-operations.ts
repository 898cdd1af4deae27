// EventBridge's rule operations, each with the IAM action and rule ARN it needs: rules with event
// patterns or schedules, enabling and disabling them, and their targets (Input, InputPath and
// InputTransformer checked as EventBridge checks them).
import { type Input, type Operation, ServiceError, toList } from "../protocol/operations.ts";
import type { CloudContext } from "../types.ts";
import {
  checkedPattern,
  checkName,
  constraint,
  type EventsAddressing,
  type EventsHooks,
  NAME,
  validation,
} from "./addressing.ts";
import { parseSchedule } from "./schedule.ts";
import { type EventsStore, type RuleRecord, ruleArn, type TargetRecord } from "./store.ts";
import { undefinedPlaceholders } from "./targets.ts";

const MAX_TARGETS = 5;

export function ruleOperations(
  ctx: CloudContext,
  store: EventsStore,
  hooks: EventsHooks,
  address: EventsAddressing,
) {
  const account = ctx.accountId;
  const { busOf, ruleOf, onRule, anywhere, tagsOf, page } = address;
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
    PutRule: {
      // Tagging on creation is TagResource too: AWS asks for both actions when Tags are given.
      iam: (input, req) => {
        const putRule = onRule("PutRule")(input, req);
        return toList(input.Tags).length > 0
          ? [putRule, { ...putRule, action: "events:TagResource" }]
          : putRule;
      },
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
          // As on AWS, PutRule tags a rule it creates; an update ignores Tags (TagResource changes them).
          tags: existing ? existing.tags : tagsOf(input.Tags),
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
  };
  return operations;
}
