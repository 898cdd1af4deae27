// CloudWatch's alarm operations, each with its IAM action on the alarm's ARN: PutMetricAlarm,
// DescribeAlarms(ForMetric), DeleteAlarms, SetAlarmState, DescribeAlarmHistory, Enable/DisableAlarmActions,
// and tags.
import {
  type Input,
  type Operation,
  paginate,
  ServiceError,
  toBoolean,
  toDate,
  toList,
  toNumber,
} from "../protocol/operations.ts";
import type { CloudContext, EdgeRequest, IamRequirement } from "../types.ts";
import {
  type AlarmEvaluator,
  type AlarmRecord,
  type AlarmState,
  type AlarmStore,
  COMPARISON_OPERATORS,
} from "./alarms.ts";
import {
  checkDimensions,
  checkPeriod,
  checkUnit,
  invalidCombination,
  invalidValue,
  required,
  resourceNotFound,
  validationError,
} from "./checks.ts";
import { STATISTICS, seriesKey } from "./metrics.ts";

const STATES: AlarmState[] = ["INSUFFICIENT_DATA", "ALARM", "OK"];
const TREAT_MISSING = ["breaching", "notBreaching", "ignore", "missing"];

const enumError = (value: unknown, field: string, allowed: readonly string[]) =>
  validationError(
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(", ")}]`,
  );

/** An alarm as DescribeAlarms shows it. */
export function describeAlarm(alarm: AlarmRecord) {
  const { region: _region, tags: _tags, ...shown } = alarm;
  return {
    ...shown,
    AlarmConfigurationUpdatedTimestamp: new Date(alarm.AlarmConfigurationUpdatedTimestamp),
    StateUpdatedTimestamp: new Date(alarm.StateUpdatedTimestamp),
    StateTransitionedTimestamp: new Date(alarm.StateTransitionedTimestamp),
  };
}

export function alarmOperations(ctx: CloudContext, alarms: AlarmStore, evaluator: AlarmEvaluator) {
  const account = ctx.accountId;
  const arnOf = (region: string, name: string) => `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`;
  const onAlarms =
    (action: string) =>
    (input: Input, req: EdgeRequest): IamRequirement => {
      const names = [
        ...toList<string>(input.AlarmNames),
        ...(input.AlarmName !== undefined ? [input.AlarmName] : []),
      ];
      return {
        action: `cloudwatch:${action}`,
        resources:
          names.length > 0 ? names.map((name) => arnOf(req.region, String(name))) : [arnOf(req.region, "*")],
      };
    };
  const alarmOf = (req: EdgeRequest, name: unknown): AlarmRecord => {
    const alarm = alarms.alarms.get(arnOf(req.region, String(name ?? "")));
    if (!alarm) throw resourceNotFound(`Alarm ${String(name)} not found`);
    return alarm;
  };
  const inRegion = (req: EdgeRequest) =>
    [...alarms.alarms.values()].filter((alarm) => alarm.region === req.region);
  const setActions = (req: EdgeRequest, input: Input, enabled: boolean) => {
    for (const name of toList<string>(input.AlarmNames)) {
      const alarm = alarms.alarms.get(arnOf(req.region, String(name)));
      if (alarm) alarm.ActionsEnabled = enabled;
    }
    alarms.save();
    return {};
  };
  const taggable = (req: EdgeRequest, arn: unknown) => {
    const alarm = alarms.alarms.get(String(arn ?? ""));
    if (!alarm || alarm.region !== req.region) {
      throw new ServiceError(
        404,
        "ResourceNotFoundException",
        `The specified resource ${String(arn)} does not exist.`,
      );
    }
    return alarm;
  };

  const operations: Record<string, Operation> = {
    PutMetricAlarm: {
      iam: onAlarms("PutMetricAlarm"),
      run(input, req) {
        const name = required(input.AlarmName, "AlarmName");
        if (name.length > 255) throw invalidValue("The parameter AlarmName must be 255 characters or fewer.");
        if (input.Metrics !== undefined) {
          throw invalidValue(
            "The local cloud evaluates alarms on one metric: Metrics (metric math alarms) is not emulated.",
          );
        }
        if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined)) {
          throw invalidCombination(
            "Exactly one element of the Statistic and ExtendedStatistic parameters must be specified.",
          );
        }
        if (input.ExtendedStatistic !== undefined)
          throw invalidValue("The local cloud does not evaluate percentile (ExtendedStatistic) alarms.");
        const statistic = String(input.Statistic);
        if (!(STATISTICS as readonly string[]).includes(statistic))
          throw enumError(statistic, "statistic", STATISTICS);
        const comparison = required(input.ComparisonOperator, "ComparisonOperator");
        if (!COMPARISON_OPERATORS.includes(comparison))
          throw enumError(comparison, "comparisonOperator", COMPARISON_OPERATORS);
        const evaluationPeriods = toNumber(required(input.EvaluationPeriods, "EvaluationPeriods"))!;
        if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
          throw invalidValue("The parameter EvaluationPeriods must be greater than or equal to 1.");
        }
        const period = checkPeriod(input.Period);
        if (period * evaluationPeriods > 86400 * 7) {
          throw invalidValue("The evaluation period (Period * EvaluationPeriods) must not exceed 7 days.");
        }
        const datapointsToAlarm = toNumber(input.DatapointsToAlarm);
        if (
          datapointsToAlarm !== undefined &&
          (datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods)
        ) {
          throw invalidValue("DatapointsToAlarm must be between 1 and EvaluationPeriods.");
        }
        const treat = input.TreatMissingData === undefined ? undefined : String(input.TreatMissingData);
        if (treat !== undefined && !TREAT_MISSING.includes(treat)) {
          throw invalidValue(
            `The value ${treat} is not supported for TreatMissingData. Supported values are [${TREAT_MISSING.join(", ")}].`,
          );
        }
        const threshold = toNumber(required(input.Threshold, "Threshold"))!;
        const arn = arnOf(req.region, name);
        const existing = alarms.alarms.get(arn);
        const now = Date.now();
        const unit = checkUnit(input.Unit, "unit");
        const alarm: AlarmRecord = {
          region: req.region,
          AlarmName: name,
          AlarmArn: arn,
          AlarmConfigurationUpdatedTimestamp: now,
          ActionsEnabled: toBoolean(input.ActionsEnabled) ?? true,
          OKActions: toList<string>(input.OKActions).map(String),
          AlarmActions: toList<string>(input.AlarmActions).map(String),
          InsufficientDataActions: toList<string>(input.InsufficientDataActions).map(String),
          StateValue: existing?.StateValue ?? "INSUFFICIENT_DATA",
          StateReason: existing?.StateReason ?? "Unchecked: Initial alarm creation",
          StateUpdatedTimestamp: existing?.StateUpdatedTimestamp ?? now,
          StateTransitionedTimestamp: existing?.StateTransitionedTimestamp ?? now,
          MetricName: required(input.MetricName, "MetricName"),
          Namespace: required(input.Namespace, "Namespace"),
          Statistic: statistic,
          Dimensions: checkDimensions(input.Dimensions, "Dimensions"),
          Period: period,
          EvaluationPeriods: evaluationPeriods,
          Threshold: threshold,
          ComparisonOperator: comparison,
          tags: {
            ...existing?.tags,
            ...Object.fromEntries(
              toList<Input>(input.Tags).map((tag) => [String(tag.Key), String(tag.Value)]),
            ),
          },
          ...(existing?.StateReasonData !== undefined ? { StateReasonData: existing.StateReasonData } : {}),
          ...(input.AlarmDescription !== undefined
            ? { AlarmDescription: String(input.AlarmDescription) }
            : {}),
          ...(unit !== undefined ? { Unit: unit } : {}),
          ...(datapointsToAlarm !== undefined ? { DatapointsToAlarm: datapointsToAlarm } : {}),
          ...(treat !== undefined ? { TreatMissingData: treat } : {}),
        };
        alarms.alarms.set(arn, alarm);
        alarms.record({
          region: req.region,
          AlarmName: name,
          AlarmType: "MetricAlarm",
          Timestamp: now,
          HistoryItemType: "ConfigurationUpdate",
          HistorySummary: `Alarm "${name}" ${existing ? "updated" : "created"}`,
          HistoryData: JSON.stringify({
            type: existing ? "Update" : "Create",
            version: "1.0",
            updatedAlarm: describeAlarm(alarm),
          }),
        });
        alarms.save();
        return {};
      },
    },

    DescribeAlarms: {
      iam: onAlarms("DescribeAlarms"),
      run(input, req) {
        const names = toList<string>(input.AlarmNames).map(String);
        const prefix = input.AlarmNamePrefix === undefined ? undefined : String(input.AlarmNamePrefix);
        if (names.length > 0 && prefix !== undefined) {
          throw invalidCombination("AlarmNamePrefix and AlarmNames are mutually exclusive.");
        }
        const state = input.StateValue === undefined ? undefined : String(input.StateValue);
        if (state !== undefined && !STATES.includes(state as AlarmState))
          throw enumError(state, "stateValue", STATES);
        const actionPrefix = input.ActionPrefix === undefined ? undefined : String(input.ActionPrefix);
        const types = toList<string>(input.AlarmTypes);
        const matching = inRegion(req)
          .filter(
            (alarm) =>
              (names.length === 0 || names.includes(alarm.AlarmName)) &&
              (prefix === undefined || alarm.AlarmName.startsWith(prefix)) &&
              (state === undefined || alarm.StateValue === state) &&
              (actionPrefix === undefined ||
                [...alarm.AlarmActions, ...alarm.OKActions, ...alarm.InsufficientDataActions].some((a) =>
                  a.startsWith(actionPrefix),
                )) &&
              (types.length === 0 || types.includes("MetricAlarm")),
          )
          .sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : 1));
        const { items, next } = paginate(matching, input.NextToken, toNumber(input.MaxRecords) ?? 50);
        return {
          MetricAlarms: items.map(describeAlarm),
          CompositeAlarms: [],
          ...(next ? { NextToken: next } : {}),
        };
      },
    },

    DescribeAlarmsForMetric: {
      iam: () => ({ action: "cloudwatch:DescribeAlarmsForMetric", resources: ["*"] }),
      run(input, req) {
        const key = seriesKey(
          req.region,
          required(input.Namespace, "Namespace"),
          required(input.MetricName, "MetricName"),
          checkDimensions(input.Dimensions, "Dimensions"),
        );
        const period = toNumber(input.Period);
        return {
          MetricAlarms: inRegion(req)
            .filter(
              (alarm) =>
                seriesKey(alarm.region, alarm.Namespace, alarm.MetricName, alarm.Dimensions) === key &&
                (input.Statistic === undefined || alarm.Statistic === input.Statistic) &&
                (period === undefined || alarm.Period === period) &&
                (input.Unit === undefined || alarm.Unit === input.Unit),
            )
            .map(describeAlarm),
        };
      },
    },

    DeleteAlarms: {
      iam: onAlarms("DeleteAlarms"),
      run(input, req) {
        const names = toList<string>(input.AlarmNames).map(String);
        const missing = names.filter((name) => !alarms.alarms.has(arnOf(req.region, name)));
        if (missing.length > 0)
          throw resourceNotFound(`The following alarms were not found: [${missing.join(", ")}]`);
        for (const name of names) alarms.alarms.delete(arnOf(req.region, name));
        alarms.save();
        return {};
      },
    },

    SetAlarmState: {
      iam: onAlarms("SetAlarmState"),
      run(input, req) {
        const state = String(input.StateValue ?? "");
        if (!STATES.includes(state as AlarmState)) throw enumError(state, "stateValue", STATES);
        const alarm = alarmOf(req, input.AlarmName);
        const reason = required(input.StateReason, "StateReason");
        const data = input.StateReasonData === undefined ? undefined : String(input.StateReasonData);
        if (data !== undefined) {
          try {
            JSON.parse(data);
          } catch {
            throw invalidValue("The parameter StateReasonData must be valid JSON.");
          }
        }
        if (alarm.StateValue !== state) evaluator.transition(alarm, state as AlarmState, reason, data);
        return {};
      },
    },

    DescribeAlarmHistory: {
      iam: onAlarms("DescribeAlarmHistory"),
      run(input, req) {
        const start = toDate(input.StartDate)?.getTime() ?? 0;
        const end = toDate(input.EndDate)?.getTime() ?? Number.POSITIVE_INFINITY;
        const items = alarms.history
          .filter(
            (item) =>
              item.region === req.region &&
              (input.AlarmName === undefined || item.AlarmName === input.AlarmName) &&
              (input.HistoryItemType === undefined || item.HistoryItemType === input.HistoryItemType) &&
              item.Timestamp >= start &&
              item.Timestamp <= end,
          )
          .sort((a, b) =>
            input.ScanBy === "TimestampAscending" ? a.Timestamp - b.Timestamp : b.Timestamp - a.Timestamp,
          );
        const { items: page, next } = paginate(items, input.NextToken, toNumber(input.MaxRecords) ?? 100);
        return {
          AlarmHistoryItems: page.map(({ region: _region, ...item }) => ({
            ...item,
            Timestamp: new Date(item.Timestamp),
          })),
          ...(next ? { NextToken: next } : {}),
        };
      },
    },

    EnableAlarmActions: {
      iam: onAlarms("EnableAlarmActions"),
      run: (input, req) => setActions(req, input, true),
    },
    DisableAlarmActions: {
      iam: onAlarms("DisableAlarmActions"),
      run: (input, req) => setActions(req, input, false),
    },

    TagResource: {
      iam: (input) => ({ action: "cloudwatch:TagResource", resources: [String(input.ResourceARN ?? "*")] }),
      run(input, req) {
        const alarm = taggable(req, input.ResourceARN);
        for (const tag of toList<Input>(input.Tags)) alarm.tags[String(tag.Key)] = String(tag.Value ?? "");
        alarms.save();
        return {};
      },
    },

    UntagResource: {
      iam: (input) => ({ action: "cloudwatch:UntagResource", resources: [String(input.ResourceARN ?? "*")] }),
      run(input, req) {
        const alarm = taggable(req, input.ResourceARN);
        for (const key of toList<string>(input.TagKeys)) delete alarm.tags[String(key)];
        alarms.save();
        return {};
      },
    },

    ListTagsForResource: {
      iam: (input) => ({
        action: "cloudwatch:ListTagsForResource",
        resources: [String(input.ResourceARN ?? "*")],
      }),
      run: (input, req) => ({
        Tags: Object.entries(taggable(req, input.ResourceARN).tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    },
  };
  return operations;
}
