// Metric alarms as CloudWatch runs them: every minute each alarm looks at its last EvaluationPeriods
// periods, counts the datapoints past the threshold (missing ones as TreatMissingData says), moves
// between INSUFFICIENT_DATA, OK and ALARM, records history, and publishes AWS's alarm notification to
// the SNS topics among the new state's actions. A local minute lasts `alarmMinuteMs` (tests shorten it).
import { join } from "node:path";
import { JsonFile } from "../state.ts";
import type { CloudContext } from "../types.ts";
import { type Dimension, type MetricStore, statistic } from "./metrics.ts";

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface AlarmRecord {
  region: string;
  AlarmName: string;
  AlarmArn: string;
  AlarmDescription?: string;
  AlarmConfigurationUpdatedTimestamp: number;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  StateValue: AlarmState;
  StateReason: string;
  StateReasonData?: string;
  StateUpdatedTimestamp: number;
  StateTransitionedTimestamp: number;
  MetricName: string;
  Namespace: string;
  Statistic: string;
  Dimensions: Dimension[];
  Period: number;
  Unit?: string;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: string;
  TreatMissingData?: string;
  tags: Record<string, string>;
}

export interface HistoryItem {
  region: string;
  AlarmName: string;
  AlarmType: "MetricAlarm";
  Timestamp: number;
  HistoryItemType: "ConfigurationUpdate" | "StateUpdate" | "Action";
  HistorySummary: string;
  HistoryData: string;
}

interface AlarmsState {
  alarms: AlarmRecord[];
  history: HistoryItem[];
}

const HISTORY_MS = 14 * 24 * 3600_000;
const COMPARISONS: Record<string, { test: (value: number, threshold: number) => boolean; words: string }> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, words: "greater than or equal to" },
  GreaterThanThreshold: { test: (v, t) => v > t, words: "greater than" },
  LessThanThreshold: { test: (v, t) => v < t, words: "less than" },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, words: "less than or equal to" },
};
export const COMPARISON_OPERATORS = Object.keys(COMPARISONS);

const REGION_NAMES: Record<string, string> = {
  "us-east-1": "US East (N. Virginia)",
  "us-east-2": "US East (Ohio)",
  "us-west-1": "US West (N. California)",
  "us-west-2": "US West (Oregon)",
  "ca-central-1": "Canada (Central)",
  "eu-west-1": "EU (Ireland)",
  "eu-west-2": "EU (London)",
  "eu-west-3": "EU (Paris)",
  "eu-central-1": "EU (Frankfurt)",
  "eu-north-1": "EU (Stockholm)",
  "eu-south-1": "EU (Milan)",
  "ap-south-1": "Asia Pacific (Mumbai)",
  "ap-northeast-1": "Asia Pacific (Tokyo)",
  "ap-northeast-2": "Asia Pacific (Seoul)",
  "ap-southeast-1": "Asia Pacific (Singapore)",
  "ap-southeast-2": "Asia Pacific (Sydney)",
  "sa-east-1": "South America (Sao Paulo)",
};

/** CloudWatch's timestamps in notifications: 2026-01-02T03:04:05.678+0000. */
const notificationTime = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000");
/** Datapoint times in state reasons: dd/MM/yy HH:mm:ss. */
function reasonTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
}
const number = (value: number) => (Number.isInteger(value) ? value.toFixed(1) : String(value));

export class AlarmStore {
  readonly alarms = new Map<string, AlarmRecord>();
  history: HistoryItem[];
  private readonly file: JsonFile<AlarmsState>;

  constructor(dir: string) {
    this.file = new JsonFile(join(dir, "alarms.json"), () => ({ alarms: [], history: [] }));
    const state = this.file.load();
    for (const alarm of state.alarms) this.alarms.set(alarm.AlarmArn, alarm);
    this.history = state.history;
  }

  record(item: HistoryItem): void {
    const cutoff = Date.now() - HISTORY_MS;
    this.history = this.history.filter((old) => old.Timestamp >= cutoff);
    this.history.push(item);
  }

  save(): void {
    this.file.save({ alarms: [...this.alarms.values()], history: this.history });
  }
}

interface Evaluation {
  state: AlarmState;
  reason: string;
  data: Record<string, unknown>;
}

export class AlarmEvaluator {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: CloudContext,
    private readonly alarms: AlarmStore,
    private readonly metrics: MetricStore,
  ) {}

  /**
   * Evaluates every alarm just after each minute boundary, as CloudWatch does. A busy event loop that
   * wakes late still evaluates each boundary it slept through (a few at most), so no period is skipped.
   */
  start(): void {
    let last = Math.floor(Date.now() / this.ctx.realism.alarmMinuteMs) * this.ctx.realism.alarmMinuteMs;
    const tick = () => {
      const minute = this.ctx.realism.alarmMinuteMs;
      const delay = minute - (Date.now() % minute) + Math.min(minute / 20, 1000);
      this.timer = setTimeout(() => {
        const boundary = Math.floor(Date.now() / minute) * minute;
        for (let at = Math.max(last + minute, boundary - 4 * minute); at <= boundary; at += minute) {
          for (const alarm of this.alarms.alarms.values()) this.evaluate(alarm, at);
        }
        last = boundary;
        tick();
      }, delay);
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** Looks at an alarm's recent periods now and moves it to the state they call for. */
  evaluate(alarm: AlarmRecord, now = Date.now()): void {
    const evaluation = this.assess(alarm, now);
    if (!evaluation || evaluation.state === alarm.StateValue) return;
    this.transition(alarm, evaluation.state, evaluation.reason, JSON.stringify(evaluation.data), now);
  }

  private assess(alarm: AlarmRecord, now: number): Evaluation | undefined {
    const periodMs = (alarm.Period * this.ctx.realism.alarmMinuteMs) / 60;
    const count = alarm.EvaluationPeriods;
    const needed = alarm.DatapointsToAlarm ?? count;
    const series = this.metrics.find(alarm.region, alarm.Namespace, alarm.MetricName, alarm.Dimensions);
    // The last `count` complete periods, aligned to period boundaries.
    const start = Math.floor(now / periodMs) * periodMs - count * periodMs;
    const points: Array<{ timestamp: number; value: number; sampleCount: number } | undefined> = [];
    for (let index = 0; index < count; index += 1) {
      const from = start + index * periodMs;
      const buckets = series ? this.metrics.range(series, from, from + periodMs, alarm.Unit) : [];
      if (buckets.length === 0) {
        points.push(undefined);
        continue;
      }
      const set = { count: 0, sum: 0, min: Infinity, max: -Infinity };
      for (const bucket of buckets) {
        set.count += bucket.count;
        set.sum += bucket.sum;
        set.min = Math.min(set.min, bucket.min);
        set.max = Math.max(set.max, bucket.max);
      }
      points.push({ timestamp: from, value: statistic(set, alarm.Statistic), sampleCount: set.count });
    }
    const comparison = COMPARISONS[alarm.ComparisonOperator]!;
    const present = points.filter((point) => point !== undefined).reverse();
    const missing = count - present.length;
    const treat = alarm.TreatMissingData ?? "missing";
    const presentBreaching = present.filter((point) => comparison.test(point.value, alarm.Threshold)).length;
    const breaching = presentBreaching + (treat === "breaching" ? missing : 0);
    const data: Record<string, unknown> = {
      version: "1.0",
      queryDate: notificationTime(now),
      startDate: notificationTime(start),
      statistic: alarm.Statistic,
      period: alarm.Period,
      recentDatapoints: present.map((point) => point.value),
      threshold: alarm.Threshold,
      evaluatedDatapoints: present.map((point) => ({
        timestamp: notificationTime(point.timestamp),
        sampleCount: point.sampleCount,
        value: point.value,
      })),
      ...(alarm.Unit ? { unit: alarm.Unit } : {}),
    };
    if (present.length === 0) {
      if (treat === "ignore") return undefined;
      if (treat === "missing") {
        return {
          state: "INSUFFICIENT_DATA",
          reason: `Insufficient Data: ${count} datapoint${count === 1 ? " was" : "s were"} unknown.`,
          data,
        };
      }
      const state: AlarmState = treat === "breaching" && breaching >= needed ? "ALARM" : "OK";
      return {
        state,
        reason: `Threshold Crossed: no datapoints were received for ${count} period${count === 1 ? "" : "s"} and ${count} missing datapoint${count === 1 ? " was" : "s were"} treated as [${treat === "breaching" ? "Breaching" : "NonBreaching"}].`,
        data,
      };
    }
    const state: AlarmState = breaching >= needed ? "ALARM" : "OK";
    const shown = present
      .map((point) => `${number(point.value)} (${reasonTime(point.timestamp)})`)
      .join(", ");
    const words = `${state === "ALARM" ? "" : "not "}${comparison.words}`;
    const counted = state === "ALARM" ? breaching : present.length - presentBreaching;
    const subject =
      count === 1
        ? `1 datapoint [${shown}] was ${words}`
        : `${counted} out of the last ${count} datapoints [${shown}] ${counted === 1 ? "was" : "were"} ${words}`;
    const minimum =
      count === 1
        ? ""
        : ` (minimum ${needed} datapoint${needed === 1 ? "" : "s"} for ${state === "ALARM" ? "OK -> ALARM" : "ALARM -> OK"} transition)`;
    return {
      state,
      reason: `Threshold Crossed: ${subject} the threshold (${number(alarm.Threshold)})${minimum}.`,
      data,
    };
  }

  /** Moves an alarm to a state (an evaluation or SetAlarmState), records it and runs the state's actions. */
  transition(
    alarm: AlarmRecord,
    state: AlarmState,
    reason: string,
    reasonData: string | undefined,
    now = Date.now(),
  ): void {
    const old = { stateValue: alarm.StateValue, stateReason: alarm.StateReason };
    alarm.StateValue = state;
    alarm.StateReason = reason;
    if (reasonData !== undefined) alarm.StateReasonData = reasonData;
    else delete alarm.StateReasonData;
    alarm.StateUpdatedTimestamp = now;
    alarm.StateTransitionedTimestamp = now;
    this.alarms.record({
      region: alarm.region,
      AlarmName: alarm.AlarmName,
      AlarmType: "MetricAlarm",
      Timestamp: now,
      HistoryItemType: "StateUpdate",
      HistorySummary: `Alarm updated from ${old.stateValue} to ${state}`,
      HistoryData: JSON.stringify({
        version: "1.0",
        oldState: old,
        newState: {
          stateValue: state,
          stateReason: reason,
          ...(reasonData ? { stateReasonData: JSON.parse(reasonData) } : {}),
        },
      }),
    });
    this.alarms.save();
    if (alarm.ActionsEnabled) this.act(alarm, old.stateValue, now);
  }

  private act(alarm: AlarmRecord, oldState: AlarmState, now: number): void {
    const actions =
      alarm.StateValue === "ALARM"
        ? alarm.AlarmActions
        : alarm.StateValue === "OK"
          ? alarm.OKActions
          : alarm.InsufficientDataActions;
    for (const action of actions) {
      const done = (summary: string) => {
        this.alarms.record({
          region: alarm.region,
          AlarmName: alarm.AlarmName,
          AlarmType: "MetricAlarm",
          Timestamp: Date.now(),
          HistoryItemType: "Action",
          HistorySummary: summary,
          HistoryData: JSON.stringify({
            actionState: summary.startsWith("Successfully") ? "Succeeded" : "Failed",
            notificationResource: action,
            stateUpdateTimestamp: now,
          }),
        });
        this.alarms.save();
      };
      if (!action.startsWith("arn:aws:sns:") || !this.ctx.sns) {
        done(`Failed to execute action ${action}. Reason: the local cloud runs only SNS alarm actions`);
        continue;
      }
      const region = REGION_NAMES[alarm.region] ?? alarm.region;
      this.ctx.sns
        .publish(action, JSON.stringify(this.notification(alarm, oldState, now, region)), {
          subject: `${alarm.StateValue}: "${alarm.AlarmName}" in ${region}`.slice(0, 100),
          caller: {
            principal: "cloudwatch.amazonaws.com",
            sourceArn: alarm.AlarmArn,
            sourceAccount: this.ctx.accountId,
          },
        })
        .then(
          () => done(`Successfully executed action ${action}`),
          (error: Error) => done(`Failed to execute action ${action}. Received error: "${error.message}"`),
        );
    }
  }

  /** The JSON message CloudWatch publishes to an alarm's SNS actions. */
  private notification(alarm: AlarmRecord, oldState: AlarmState, now: number, region: string) {
    return {
      AlarmName: alarm.AlarmName,
      AlarmDescription: alarm.AlarmDescription ?? null,
      AWSAccountId: this.ctx.accountId,
      AlarmConfigurationUpdatedTimestamp: notificationTime(alarm.AlarmConfigurationUpdatedTimestamp),
      NewStateValue: alarm.StateValue,
      NewStateReason: alarm.StateReason,
      StateChangeTime: notificationTime(now),
      Region: region,
      AlarmArn: alarm.AlarmArn,
      OldStateValue: oldState,
      OKActions: alarm.OKActions,
      AlarmActions: alarm.AlarmActions,
      InsufficientDataActions: alarm.InsufficientDataActions,
      Trigger: {
        MetricName: alarm.MetricName,
        Namespace: alarm.Namespace,
        StatisticType: "Statistic",
        Statistic: alarm.Statistic.toUpperCase(),
        Unit: alarm.Unit ?? null,
        Dimensions: alarm.Dimensions.map((d) => ({ value: d.Value, name: d.Name })),
        Period: alarm.Period,
        EvaluationPeriods: alarm.EvaluationPeriods,
        ...(alarm.DatapointsToAlarm !== undefined ? { DatapointsToAlarm: alarm.DatapointsToAlarm } : {}),
        ComparisonOperator: alarm.ComparisonOperator,
        Threshold: alarm.Threshold,
        TreatMissingData: alarm.TreatMissingData ?? "missing",
        EvaluateLowSampleCountPercentile: "",
      },
    };
  }
}
