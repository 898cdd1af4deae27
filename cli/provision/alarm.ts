// The CloudWatch alarm on the tracker's Errors (Sum ≥ 1 over one minute): it tells the topic, and so
// the subscribed address, when the tracker starts failing. No OK action: a new alarm goes from
// INSUFFICIENT_DATA to OK within a minute, and every setup would mail "OK" for nothing.
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { STACK_TAG_KEY } from "../config.ts";
import { isNotFound, UserError } from "../errors.ts";
import { arns, change, hasStackTag, type ProvisionContext, read, tagList } from "./context.ts";

export function wantedAlarm(ctx: ProvisionContext): PutMetricAlarmCommandInput {
  const fn = ctx.names.functions["size-tracking"];
  const topic = arns(ctx).topic;
  return {
    AlarmName: ctx.names.errorsAlarm,
    AlarmDescription: `${fn} failed at least once in a minute: see s3size logs size-tracking and s3size failures`,
    Namespace: "AWS/Lambda",
    MetricName: "Errors",
    Dimensions: [{ Name: "FunctionName", Value: fn }],
    Statistic: "Sum",
    Period: 60,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    Threshold: 1,
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    // A minute without invocations is a minute without errors, not a reason to leave OK.
    TreatMissingData: "notBreaching",
    ActionsEnabled: true,
    AlarmActions: [topic],
  };
}

/** The fields of the alarm that differ from what setup wants. */
export function alarmDrift(current: MetricAlarm, wanted: PutMetricAlarmCommandInput): string[] {
  const fields = [
    "AlarmDescription",
    "Namespace",
    "MetricName",
    "Statistic",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "ActionsEnabled",
  ] as const;
  const drift: string[] = fields.filter((field) => current[field] !== wanted[field]);
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);
  if (!same(current.Dimensions, wanted.Dimensions)) drift.push("Dimensions");
  if (!same(current.AlarmActions, wanted.AlarmActions)) drift.push("AlarmActions");
  if (!same(current.OKActions, wanted.OKActions)) drift.push("OKActions");
  return drift;
}

export async function findAlarm(ctx: ProvisionContext): Promise<MetricAlarm | undefined> {
  const { MetricAlarms } = await read(() =>
    ctx.clients.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [ctx.names.errorsAlarm], AlarmTypes: ["MetricAlarm"] }),
    ),
  );
  return MetricAlarms?.[0];
}

async function alarmIsOurs(ctx: ProvisionContext): Promise<boolean> {
  const { Tags } = await read(() =>
    ctx.clients.cloudwatch.send(new ListTagsForResourceCommand({ ResourceARN: arns(ctx).errorsAlarm })),
  );
  return hasStackTag(Tags, ctx.names.stack);
}

function notOurs(ctx: ProvisionContext): string {
  return `alarm ${ctx.names.errorsAlarm}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`;
}

export async function ensureAlarm(ctx: ProvisionContext): Promise<void> {
  const wanted = wantedAlarm(ctx);
  const current = await findAlarm(ctx);
  if (current && !(await alarmIsOurs(ctx))) {
    throw new UserError(
      `${notOurs(ctx)}, so setup will not change it`,
      "choose another prefix with S3SIZE_FUNCTION_PREFIX, or delete that alarm",
    );
  }
  const drift = current ? alarmDrift(current, wanted) : [];
  if (current && drift.length === 0) return;
  // PutMetricAlarm replaces the whole alarm; its tags apply when it creates one and are kept after.
  const what = current
    ? `update ${drift.join(", ")} of alarm ${ctx.names.errorsAlarm}`
    : `create alarm ${ctx.names.errorsAlarm} (Errors ≥ 1 in a minute → ${ctx.names.topic})`;
  await change(ctx, what, () =>
    ctx.clients.cloudwatch.send(new PutMetricAlarmCommand({ ...wanted, Tags: tagList(ctx.names) })),
  );
}

export async function destroyAlarm(ctx: ProvisionContext): Promise<void> {
  if (!(await findAlarm(ctx))) return;
  if (!(await alarmIsOurs(ctx))) {
    ctx.notes.push(`left ${notOurs(ctx)}`);
    return;
  }
  try {
    await change(ctx, `delete alarm ${ctx.names.errorsAlarm}`, () =>
      ctx.clients.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [ctx.names.errorsAlarm] })),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export interface AlarmState {
  name: string;
  /** OK, ALARM or INSUFFICIENT_DATA; "missing" when setup has not made it. */
  state: string;
  reason?: string;
  since?: string;
}

/** For `status`: the alarm's state, why, and since when. */
export async function alarmState(ctx: ProvisionContext): Promise<AlarmState> {
  const alarm = await findAlarm(ctx);
  if (!alarm) return { name: ctx.names.errorsAlarm, state: "missing" };
  return {
    name: ctx.names.errorsAlarm,
    state: alarm.StateValue ?? "INSUFFICIENT_DATA",
    ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
    ...(alarm.StateUpdatedTimestamp ? { since: alarm.StateUpdatedTimestamp.toISOString() } : {}),
  };
}
