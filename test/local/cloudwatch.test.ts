import {
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  type StateValue,
  TagResourceCommand,
} from "@aws-sdk/client-cloudwatch";
import { CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { cbor, dateToTag } from "@smithy/core/cbor";
import { expect } from "chai";
import { clientsFor, startTestCloud, type TestCloud } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";
import { queueFor, receiveMessages } from "./fixtures/messaging.ts";

describe("local CloudWatch", () => {
  let test: TestCloud;
  const cw = () => test.clients.cloudwatch;
  // A whole minute ten minutes ago, so periods are complete and within reach.
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  const at = (seconds: number) => new Date(base + seconds * 1000);
  const dimensions = [{ Name: "FunctionName", Value: "tracker" }];

  before(async () => {
    // An alarm's minute lasts 500 ms here, so alarms change state within a second or two.
    test = await startTestCloud({ realism: { alarmMinuteMs: 500 } });
  });
  after(() => test.stop());

  describe("metrics", () => {
    before(async () => {
      await cw().send(
        new PutMetricDataCommand({
          Namespace: "S3Size",
          MetricData: [
            { MetricName: "Bytes", Dimensions: dimensions, Timestamp: at(5), Value: 18, Unit: "Bytes" },
            { MetricName: "Bytes", Dimensions: dimensions, Timestamp: at(20), Value: 27, Unit: "Bytes" },
            {
              MetricName: "Bytes",
              Dimensions: dimensions,
              Timestamp: at(65),
              Values: [0, 2],
              Counts: [1, 3],
              Unit: "Bytes",
            },
            {
              MetricName: "Bytes",
              Dimensions: dimensions,
              Timestamp: at(130),
              StatisticValues: { SampleCount: 4, Sum: 40, Minimum: 5, Maximum: 15 },
              Unit: "Bytes",
            },
            {
              MetricName: "Requests",
              Dimensions: [{ Name: "Bucket", Value: "data" }],
              Timestamp: at(5),
              Value: 1,
            },
          ],
        }),
      );
    });

    it("answers GetMetricStatistics per period with each statistic asked for", async () => {
      const { Label, Datapoints } = await cw().send(
        new GetMetricStatisticsCommand({
          Namespace: "S3Size",
          MetricName: "Bytes",
          Dimensions: dimensions,
          StartTime: at(0),
          EndTime: at(180),
          Period: 60,
          Statistics: ["SampleCount", "Sum", "Average", "Minimum", "Maximum"],
        }),
      );
      expect(Label).to.equal("Bytes");
      expect(Datapoints).to.deep.equal([
        { Timestamp: at(0), SampleCount: 2, Sum: 45, Average: 22.5, Minimum: 18, Maximum: 27, Unit: "Bytes" },
        { Timestamp: at(60), SampleCount: 4, Sum: 6, Average: 1.5, Minimum: 0, Maximum: 2, Unit: "Bytes" },
        { Timestamp: at(120), SampleCount: 4, Sum: 40, Average: 10, Minimum: 5, Maximum: 15, Unit: "Bytes" },
      ]);
      const other = await cw().send(
        new GetMetricStatisticsCommand({
          Namespace: "S3Size",
          MetricName: "Bytes",
          Dimensions: [{ Name: "FunctionName", Value: "other" }],
          StartTime: at(0),
          EndTime: at(180),
          Period: 60,
          Statistics: ["Sum"],
        }),
      );
      expect(other.Datapoints).to.deep.equal([]);
    });

    it("answers GetMetricData for metric stats and arithmetic on them, newest first by default", async () => {
      const metric = { Namespace: "S3Size", MetricName: "Bytes", Dimensions: dimensions };
      const { MetricDataResults, Messages } = await cw().send(
        new GetMetricDataCommand({
          StartTime: at(0),
          EndTime: at(180),
          MetricDataQueries: [
            { Id: "total", MetricStat: { Metric: metric, Period: 60, Stat: "Sum" }, ReturnData: false },
            { Id: "count", MetricStat: { Metric: metric, Period: 60, Stat: "SampleCount" } },
            { Id: "mean", Expression: "total / count", Label: "Mean size" },
          ],
        }),
      );
      expect(Messages).to.deep.equal([]);
      expect(MetricDataResults).to.deep.equal([
        {
          Id: "count",
          Label: "Bytes",
          Timestamps: [at(120), at(60), at(0)],
          Values: [4, 4, 2],
          StatusCode: "Complete",
        },
        {
          Id: "mean",
          Label: "Mean size",
          Timestamps: [at(120), at(60), at(0)],
          Values: [10, 1.5, 22.5],
          StatusCode: "Complete",
        },
      ]);
    });

    it("lists metrics by namespace, name and dimension", async () => {
      const byDimension = await cw().send(
        new ListMetricsCommand({ Dimensions: [{ Name: "Bucket", Value: "data" }] }),
      );
      expect(byDimension.Metrics).to.deep.equal([
        { Namespace: "S3Size", MetricName: "Requests", Dimensions: [{ Name: "Bucket", Value: "data" }] },
      ]);
      const byNamespace = await cw().send(new ListMetricsCommand({ Namespace: "S3Size" }));
      expect(byNamespace.Metrics?.map((m) => m.MetricName).sort()).to.deep.equal(["Bytes", "Requests"]);
    });

    it("refuses what CloudWatch refuses, in its words", async () => {
      const reserved = await expectError(
        cw().send(
          new PutMetricDataCommand({
            Namespace: "AWS/Lambda",
            MetricData: [{ MetricName: "Errors", Value: 1 }],
          }),
        ),
        "InvalidParameterValueException",
        400,
      );
      expect(reserved.message).to.equal("The value AWS/ for parameter Namespace is invalid.");
      const both = await expectError(
        cw().send(
          new PutMetricDataCommand({
            Namespace: "S3Size",
            MetricData: [{ MetricName: "x", Value: 1, Values: [1] }],
          }),
        ),
        "InvalidParameterCombinationException",
        400,
      );
      expect(both.message).to.equal(
        "The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.",
      );
      const query = (extra: object) =>
        cw().send(
          new GetMetricStatisticsCommand({
            Namespace: "S3Size",
            MetricName: "Bytes",
            StartTime: at(0),
            EndTime: at(60),
            Period: 60,
            Statistics: ["Sum"],
            ...extra,
          }),
        );
      const backwards = await expectError(
        query({ StartTime: at(60), EndTime: at(0) }),
        "InvalidParameterValueException",
        400,
      );
      expect(backwards.message).to.equal("The parameter StartTime must be less than the parameter EndTime.");
      const tooMany = await expectError(
        query({ EndTime: at(86400), Period: 1 }),
        "InvalidParameterCombinationException",
        400,
      );
      expect(tooMany.message).to.equal(
        "You have requested up to 86400 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
      );
    });
  });

  describe("alarms", () => {
    const alarm = (name: string, extra: Partial<PutMetricAlarmCommandInput> = {}) =>
      cw().send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          Namespace: "Tracker",
          MetricName: "Errors",
          Dimensions: dimensions,
          Statistic: "Sum",
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: "GreaterThanOrEqualToThreshold",
          ...extra,
        }),
      );
    const history = async (name: string) =>
      (await cw().send(new DescribeAlarmHistoryCommand({ AlarmName: name, ScanBy: "TimestampAscending" })))
        .AlarmHistoryItems ?? [];
    const waitFor = async (name: string, summaries: string[], ms = 10_000) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const items = (await history(name)).map((item) => item.HistorySummary);
        if (summaries.every((summary) => items.includes(summary)) || Date.now() > deadline) return items;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };

    it("creates an alarm in INSUFFICIENT_DATA and describes it, by name and by metric", async () => {
      await alarm("described", { AlarmDescription: "errors", TreatMissingData: "ignore" });
      const { MetricAlarms, CompositeAlarms } = await cw().send(
        new DescribeAlarmsCommand({ AlarmNames: ["described"] }),
      );
      expect(CompositeAlarms).to.deep.equal([]);
      expect(MetricAlarms?.[0]).to.include({
        AlarmName: "described",
        AlarmArn: "arn:aws:cloudwatch:us-east-1:000000000000:alarm:described",
        AlarmDescription: "errors",
        StateValue: "INSUFFICIENT_DATA",
        StateReason: "Unchecked: Initial alarm creation",
        ActionsEnabled: true,
        Statistic: "Sum",
        Period: 60,
        Threshold: 1,
      });
      const forMetric = await cw().send(
        new DescribeAlarmsForMetricCommand({
          Namespace: "Tracker",
          MetricName: "Errors",
          Dimensions: dimensions,
        }),
      );
      expect(forMetric.MetricAlarms?.map((a) => a.AlarmName)).to.include("described");
      await cw().send(new DisableAlarmActionsCommand({ AlarmNames: ["described"] }));
      const disabled = await cw().send(new DescribeAlarmsCommand({ AlarmNames: ["described"] }));
      expect(disabled.MetricAlarms?.[0]?.ActionsEnabled).to.equal(false);
      const arn = disabled.MetricAlarms![0]!.AlarmArn!;
      await cw().send(
        new TagResourceCommand({ ResourceARN: arn, Tags: [{ Key: "stack", Value: "s3size" }] }),
      );
      expect((await cw().send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags).to.deep.equal([
        { Key: "stack", Value: "s3size" },
      ]);
    });

    it("refuses unknown states and alarms that do not exist", async () => {
      await alarm("refusals", { TreatMissingData: "ignore" });
      const state = await expectError(
        cw().send(
          new SetAlarmStateCommand({
            AlarmName: "refusals",
            StateValue: "RED" as StateValue,
            StateReason: "x",
          }),
        ),
        "ValidationException",
        400,
      );
      expect(state.message).to.equal(
        "1 validation error detected: Value 'RED' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]",
      );
      await expectError(
        cw().send(new DeleteAlarmsCommand({ AlarmNames: ["nope"] })),
        "ResourceNotFound",
        404,
      );
      await cw().send(new DeleteAlarmsCommand({ AlarmNames: ["refusals"] }));
      expect(
        (await cw().send(new DescribeAlarmsCommand({ AlarmNames: ["refusals"] }))).MetricAlarms,
      ).to.deep.equal([]);
    });

    it("goes OK → ALARM → OK on its metric, with history, and notifies its topic each way", async () => {
      const { TopicArn } = await test.clients.sns.send(new CreateTopicCommand({ Name: "alarms" }));
      const queue = await queueFor(test.clients.sqs, "alarm-notifications", {
        service: "sns.amazonaws.com",
        sourceArn: TopicArn!,
      });
      await test.clients.sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: queue.arn }));
      await alarm("tracker-errors", {
        TreatMissingData: "notBreaching",
        AlarmActions: [TopicArn!],
        OKActions: [TopicArn!],
      });
      expect(await waitFor("tracker-errors", ["Alarm updated from INSUFFICIENT_DATA to OK"])).to.include(
        "Alarm updated from INSUFFICIENT_DATA to OK",
      );
      await cw().send(
        new PutMetricDataCommand({
          Namespace: "Tracker",
          MetricData: [{ MetricName: "Errors", Dimensions: dimensions, Value: 1, Unit: "Count" }],
        }),
      );
      const summaries = await waitFor("tracker-errors", [
        "Alarm updated from OK to ALARM",
        "Alarm updated from ALARM to OK",
      ]);
      expect(summaries.filter((summary) => summary?.startsWith("Alarm"))).to.deep.equal([
        'Alarm "tracker-errors" created',
        "Alarm updated from INSUFFICIENT_DATA to OK",
        "Alarm updated from OK to ALARM",
        "Alarm updated from ALARM to OK",
      ]);
      const items = await history("tracker-errors");
      const toAlarm = items.find((item) => item.HistorySummary === "Alarm updated from OK to ALARM")!;
      const data = JSON.parse(toAlarm.HistoryData!);
      expect(data.newState.stateReason).to.match(
        /^Threshold Crossed: 1 datapoint \[1\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than or equal to the threshold \(1\.0\)\.$/,
      );
      expect(data.newState.stateReasonData.recentDatapoints).to.deep.equal([1]);
      const messages = await receiveMessages(test.clients.sqs, queue.url, 3);
      const notifications = messages.map((message) => JSON.parse(message.Body!));
      const alarmNotification = notifications.find((n) => JSON.parse(n.Message).NewStateValue === "ALARM")!;
      expect(alarmNotification.Subject).to.equal('ALARM: "tracker-errors" in US East (N. Virginia)');
      const body = JSON.parse(alarmNotification.Message);
      expect(body).to.include({
        AlarmName: "tracker-errors",
        AWSAccountId: "000000000000",
        NewStateValue: "ALARM",
        OldStateValue: "OK",
        Region: "US East (N. Virginia)",
        AlarmArn: "arn:aws:cloudwatch:us-east-1:000000000000:alarm:tracker-errors",
      });
      expect(body.Trigger).to.include({
        MetricName: "Errors",
        Namespace: "Tracker",
        Statistic: "SUM",
        Threshold: 1,
      });
      expect(body.Trigger.Dimensions).to.deep.equal([{ value: "tracker", name: "FunctionName" }]);
      expect(notifications.map((n) => JSON.parse(n.Message).NewStateValue)).to.include.members([
        "OK",
        "ALARM",
      ]);
      const actions = items
        .filter((item) => item.HistoryItemType === "Action")
        .map((item) => item.HistorySummary);
      expect(actions).to.include(`Successfully executed action ${TopicArn}`);
    });

    it("sets an alarm's state by hand, recorded as AWS records it", async () => {
      await alarm("manual", { TreatMissingData: "ignore" });
      await cw().send(
        new SetAlarmStateCommand({ AlarmName: "manual", StateValue: "ALARM", StateReason: "testing" }),
      );
      const { MetricAlarms } = await cw().send(
        new DescribeAlarmsCommand({ StateValue: "ALARM", AlarmNamePrefix: "man" }),
      );
      expect(MetricAlarms?.map((a) => [a.AlarmName, a.StateValue, a.StateReason])).to.deep.equal([
        ["manual", "ALARM", "testing"],
      ]);
      const [item] = (await history("manual")).filter((i) => i.HistoryItemType === "StateUpdate");
      expect(item?.HistorySummary).to.equal("Alarm updated from INSUFFICIENT_DATA to ALARM");
    });
  });

  it("speaks the rpc-v2-cbor and Query wires that AWS CLIs use, errors included", async () => {
    const authorization =
      "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=x";
    const call = (operation: string, input: object) =>
      fetch(`${test.cloud.endpoint}/service/GraniteServiceVersion20100801/operation/${operation}`, {
        method: "POST",
        headers: { authorization, "smithy-protocol": "rpc-v2-cbor", "content-type": "application/cbor" },
        body: Buffer.from(cbor.serialize(input)),
      });
    const put = await call("PutMetricData", {
      Namespace: "Wire",
      MetricData: [{ MetricName: "Cbor", Value: 3, Timestamp: dateToTag(at(30)) }],
    });
    expect(put.status).to.equal(200);
    const got = await call("GetMetricStatistics", {
      Namespace: "Wire",
      MetricName: "Cbor",
      StartTime: dateToTag(at(0)),
      EndTime: dateToTag(at(60)),
      Period: 60,
      Statistics: ["Sum"],
    });
    expect(got.headers.get("smithy-protocol")).to.equal("rpc-v2-cbor");
    const decoded = cbor.deserialize(new Uint8Array(await got.arrayBuffer())) as {
      Datapoints: Array<{ Sum: number; Timestamp: { value: number } }>;
    };
    expect(decoded.Datapoints.map((point) => [point.Sum, point.Timestamp.value * 1000])).to.deep.equal([
      [3, at(0).getTime()],
    ]);
    const missing = await call("DeleteAlarms", { AlarmNames: ["none"] });
    expect(missing.status).to.equal(404);
    expect(missing.headers.get("x-amzn-query-error")).to.equal("ResourceNotFound;Sender");
    const form = new URLSearchParams({
      Action: "GetMetricStatistics",
      Version: "2010-08-01",
      Namespace: "Wire",
      MetricName: "Cbor",
      StartTime: at(0).toISOString(),
      EndTime: at(60).toISOString(),
      Period: "60",
      "Statistics.member.1": "Sum",
    });
    const query = await fetch(`${test.cloud.endpoint}/`, {
      method: "POST",
      headers: { authorization, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    expect(await query.text()).to.include(
      `<Datapoints><member><Timestamp>${at(0).toISOString()}</Timestamp><Sum>3</Sum><Unit>None</Unit></member></Datapoints>`,
    );
  });

  it("keeps metrics and alarms across a restart, and regions apart", async () => {
    const own = await startTestCloud();
    let restarted: TestCloud | undefined;
    const west = clientsFor(own.cloud.endpoint, "eu-west-1").cloudwatch;
    const put = { Namespace: "S3Size", MetricData: [{ MetricName: "Kept", Timestamp: at(10), Value: 5 }] };
    const stats = {
      Namespace: "S3Size",
      MetricName: "Kept",
      StartTime: at(0),
      EndTime: at(60),
      Period: 60,
      Statistics: ["Sum" as const],
    };
    try {
      await own.clients.cloudwatch.send(new PutMetricDataCommand(put));
      await own.clients.cloudwatch.send(
        new PutMetricAlarmCommand({
          AlarmName: "kept",
          Namespace: "S3Size",
          MetricName: "Kept",
          Statistic: "Sum",
          Period: 60,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: "GreaterThanThreshold",
        }),
      );
      expect((await west.send(new GetMetricStatisticsCommand(stats))).Datapoints).to.deep.equal([]);
      expect((await west.send(new DescribeAlarmsCommand({}))).MetricAlarms).to.deep.equal([]);
      await own.stop(false);
      restarted = await startTestCloud({ stateDir: own.stateDir });
      const after = await restarted.clients.cloudwatch.send(new GetMetricStatisticsCommand(stats));
      expect(after.Datapoints?.map((point) => point.Sum)).to.deep.equal([5]);
      const alarms = await restarted.clients.cloudwatch.send(new DescribeAlarmsCommand({}));
      expect(alarms.MetricAlarms?.map((a) => a.AlarmName)).to.deep.equal(["kept"]);
    } finally {
      west.destroy();
      await restarted?.stop();
    }
  });
});
