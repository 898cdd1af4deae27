// The messaging services behind a real edge with an IAM that denies on demand, and their internal
// contracts (ctx.sqs, ctx.sns, ctx.events, ctx.metrics) as Lambda, S3 and CloudWatch will call them.
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetMetricStatisticsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import {
  CreateTopicCommand,
  PublishCommand,
  SetTopicAttributesCommand,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { CreateQueueCommand, SendMessageCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { expect } from "chai";
import { createCloudWatchService } from "../../local/cloudwatch/index.ts";
import { createEdge, routeRequest } from "../../local/edge.ts";
import { createEventsService } from "../../local/events/index.ts";
import { createSnsService } from "../../local/sns/index.ts";
import { createSqsService } from "../../local/sqs/index.ts";
import {
  type ApiGatewayService,
  type CloudContext,
  DEFAULT_REALISM,
  type IamRequirement,
  LOCAL_ACCOUNT_ID,
  type Service,
} from "../../local/types.ts";
import { clientsFor, type TestClients } from "./cloud.ts";
import { expectError } from "./fixtures/lambda.ts";
import { queueFor, receiveMessages } from "./fixtures/messaging.ts";

const alarmInput = (AlarmName: string) => ({
  AlarmName,
  Namespace: "N",
  MetricName: "M",
  Statistic: "Sum" as const,
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: "GreaterThanThreshold" as const,
});

const sign = (service: string, region = "eu-west-1") => ({
  authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=x`,
});

describe("messaging services: routing, authorization and internal contracts", () => {
  const denied = new Set<string>();
  const requirements: IamRequirement[] = [];
  let ctx: CloudContext;
  let dataDir: string;
  let services: Service[];
  let server: Server;
  let clients: TestClients;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "s3size-messaging-"));
    ctx = {
      region: "us-east-1",
      accountId: LOCAL_ACCOUNT_ID,
      dataDir,
      host: "127.0.0.1",
      endpoint: "",
      realism: { ...DEFAULT_REALISM },
      debug: () => {},
      iam: {
        roleStatus: () => "ready",
        authorize(_req, requirement) {
          requirements.push(requirement);
          return denied.has(requirement.action)
            ? {
                allowed: false,
                message: `User: arn:aws:iam::000000000000:user/tester is not authorized to perform: ${requirement.action} on resource: ${requirement.resources[0]}`,
              }
            : { allowed: true };
        },
      },
    };
    services = [
      await createSqsService(ctx),
      await createSnsService(ctx),
      await createEventsService(ctx),
      await createCloudWatchService(ctx),
    ];
    const apigateway = {
      name: "apigateway",
      handle: async () => {},
      execute: async () => {},
    } as ApiGatewayService;
    server = createEdge(ctx, {
      services: new Map(services.map((service) => [service.name, service])),
      apigateway,
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    ctx.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    clients = clientsFor(ctx.endpoint);
  });

  after(async () => {
    for (const client of Object.values(clients)) client.destroy();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    for (const service of [...services].reverse()) await service.close?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    denied.clear();
    requirements.length = 0;
  });

  it("routes by signing name, with X-Amz-Target and SNS's unsigned links as tie-breakers", () => {
    const none = new URLSearchParams();
    expect(routeRequest("/", sign("sqs"), none)).to.deep.equal({
      kind: "service",
      service: "sqs",
      region: "eu-west-1",
    });
    expect(routeRequest("/", sign("monitoring"), none)).to.deep.include({ service: "monitoring" });
    expect(routeRequest("/", sign("events"), none)).to.deep.include({ service: "events" });
    expect(routeRequest("/", { "x-amz-target": "AmazonSQS.SendMessage" }, none)).to.deep.equal({
      kind: "service",
      service: "sqs",
    });
    expect(
      routeRequest("/", { "x-amz-target": "GraniteServiceVersion20100801.PutMetricData" }, none),
    ).to.deep.include({
      service: "monitoring",
    });
    const confirm = new URLSearchParams({
      Action: "ConfirmSubscription",
      TopicArn: "arn:aws:sns:eu-west-1:000000000000:t",
      Token: "x",
    });
    expect(routeRequest("/", {}, confirm)).to.deep.equal({
      kind: "service",
      service: "sns",
      region: "eu-west-1",
    });
    expect(routeRequest("/", {}, new URLSearchParams({ Action: "Publish" }))).to.deep.include({
      service: "s3",
    });
  });

  it("asks IAM with each operation's action, resource ARN and resource policy, and answers a denial in each protocol", async () => {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: "guarded" }));
    const policy = JSON.stringify({ Version: "2012-10-17", Statement: [] });
    await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: policy } }));
    const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: "guarded" }));
    requirements.length = 0;
    denied.add("sqs:SendMessage").add("sns:Publish").add("events:PutRule").add("cloudwatch:PutMetricAlarm");

    const sqs = await expectError(
      clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "x" })),
      "AccessDenied",
      403,
    );
    expect(sqs.message).to.equal(
      "User: arn:aws:iam::000000000000:user/tester is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:guarded",
    );
    await expectError(
      clients.sns.send(new PublishCommand({ TopicArn, Message: "x" })),
      "AuthorizationErrorException",
      403,
    );
    await expectError(
      clients.events.send(new PutRuleCommand({ Name: "guarded", EventPattern: '{"source":["x"]}' })),
      "AccessDeniedException",
      400,
    );
    await expectError(
      clients.cloudwatch.send(new PutMetricAlarmCommand(alarmInput("guarded"))),
      "AccessDenied",
      403,
    );
    expect(requirements[0]).to.deep.equal({
      action: "sqs:SendMessage",
      resources: ["arn:aws:sqs:us-east-1:000000000000:guarded"],
      resourcePolicy: policy,
    });
    expect(requirements[1]).to.include({ action: "sns:Publish" });
    expect(requirements[1]!.resources).to.deep.equal([TopicArn]);
    expect(JSON.parse(requirements[1]!.resourcePolicy!).Id).to.equal("__default_policy_ID");
    expect(requirements[2]).to.deep.equal({
      action: "events:PutRule",
      resources: ["arn:aws:events:us-east-1:000000000000:rule/guarded"],
    });
    expect(requirements[3]).to.deep.equal({
      action: "cloudwatch:PutMetricAlarm",
      resources: ["arn:aws:cloudwatch:us-east-1:000000000000:alarm:guarded"],
    });
  });

  it("throttles control-plane calls with each service's retryable error, never the data plane", async () => {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: "throttled" }));
    const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: "throttled" }));
    ctx.realism.throttleEveryN = 1;
    try {
      await expectError(
        clients.sqs.send(new CreateQueueCommand({ QueueName: "throttled-2" })),
        "RequestThrottled",
        403,
      );
      await expectError(
        clients.sns.send(new CreateTopicCommand({ Name: "throttled-2" })),
        "ThrottledException",
        429,
      );
      await expectError(
        clients.events.send(new PutRuleCommand({ Name: "throttled", EventPattern: '{"source":["x"]}' })),
        "ThrottlingException",
        400,
      );
      await expectError(
        clients.cloudwatch.send(new PutMetricAlarmCommand(alarmInput("throttled"))),
        "Throttling",
        400,
      );
      await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "data plane" }));
      await clients.sns.send(new PublishCommand({ TopicArn, Message: "data plane" }));
      await clients.events.send(
        new PutEventsCommand({ Entries: [{ Source: "x", DetailType: "y", Detail: "{}" }] }),
      );
      await clients.cloudwatch.send(
        new PutMetricDataCommand({ Namespace: "N", MetricData: [{ MetricName: "M", Value: 1 }] }),
      );
    } finally {
      ctx.realism.throttleEveryN = 0;
    }
  });

  it("ctx.sqs: a service principal may send only as the queue's policy allows", async () => {
    const open = await queueFor(clients.sqs, "from-s3", {
      service: "s3.amazonaws.com",
      sourceArn: "arn:aws:s3:::data",
    });
    const closed = await queueFor(clients.sqs, "closed-to-s3");
    const s3 = {
      principal: "s3.amazonaws.com",
      sourceArn: "arn:aws:s3:::data",
      sourceAccount: LOCAL_ACCOUNT_ID,
    };
    await ctx.sqs!.sendMessage(
      open.arn,
      "event",
      { bucket: { DataType: "String", StringValue: "data" } },
      s3,
    );
    let refusal: Error | undefined;
    await ctx.sqs!.sendMessage(closed.arn, "event", undefined, s3).catch((error: Error) => {
      refusal = error;
    });
    expect(refusal?.message).to.match(/does not allow s3\.amazonaws\.com/);
    const other = { ...s3, sourceArn: "arn:aws:s3:::another" };
    await ctx.sqs!.sendMessage(open.arn, "event", undefined, other).then(
      () => expect.fail("a source the condition does not name was allowed"),
      () => {},
    );
    // A Lambda destination sends with the function's role, which Lambda has already checked.
    await ctx.sqs!.sendMessage(closed.arn, "destination");
    const [message] = await receiveMessages(clients.sqs, open.url);
    expect(message?.Body).to.equal("event");
    expect(message?.MessageAttributes?.bucket?.StringValue).to.equal("data");
  });

  it("ctx.sns: the default topic policy lets the owner's services publish; a narrower one refuses others", async () => {
    const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: "internal" }));
    const queue = await queueFor(clients.sqs, "internal-q", {
      service: "sns.amazonaws.com",
      sourceArn: TopicArn!,
    });
    await clients.sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: queue.arn }));
    const cloudwatch = {
      principal: "cloudwatch.amazonaws.com",
      sourceArn: "arn:aws:cloudwatch:us-east-1:000000000000:alarm:a",
      sourceAccount: LOCAL_ACCOUNT_ID,
    };
    await ctx.sns!.publish(TopicArn!, "from an alarm", { subject: "ALARM", caller: cloudwatch });
    const [message] = await receiveMessages(clients.sqs, queue.url);
    expect(JSON.parse(message!.Body!)).to.include({ Message: "from an alarm", Subject: "ALARM" });
    const s3Only = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "s3.amazonaws.com" },
          Action: "sns:Publish",
          Resource: TopicArn,
        },
      ],
    };
    await clients.sns.send(
      new SetTopicAttributesCommand({
        TopicArn,
        AttributeName: "Policy",
        AttributeValue: JSON.stringify(s3Only),
      }),
    );
    await ctx.sns!.publish(TopicArn!, "again", { caller: cloudwatch }).then(
      () => expect.fail("the narrower policy let CloudWatch publish"),
      (error: Error) => expect(error.message).to.match(/does not allow cloudwatch\.amazonaws\.com/),
    );
  });

  it("ctx.events: an event from S3 reaches the rules that match it", async () => {
    const { RuleArn } = await clients.events.send(
      new PutRuleCommand({
        Name: "s3-events",
        EventPattern: JSON.stringify({ source: ["aws.s3"], "detail-type": ["Object Created"] }),
      }),
    );
    const queue = await queueFor(clients.sqs, "s3-events-q", {
      service: "events.amazonaws.com",
      sourceArn: RuleArn!,
    });
    await clients.events.send(
      new PutTargetsCommand({ Rule: "s3-events", Targets: [{ Id: "q", Arn: queue.arn }] }),
    );
    await ctx.events!.putEvent("us-east-1", {
      source: "aws.s3",
      detailType: "Object Created",
      detail: { bucket: { name: "data" }, object: { key: "a.txt", size: 18 } },
      resources: ["arn:aws:s3:::data"],
    });
    const [message] = await receiveMessages(clients.sqs, queue.url);
    const event = JSON.parse(message!.Body!);
    expect(event).to.include({
      source: "aws.s3",
      "detail-type": "Object Created",
      region: "us-east-1",
      account: LOCAL_ACCOUNT_ID,
    });
    expect(event.detail.object).to.deep.equal({ key: "a.txt", size: 18 });
  });

  it("ctx.metrics: a service's own metrics are answered by GetMetricStatistics", async () => {
    const timestamp = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
    for (const value of [0, 1, 1]) {
      ctx.metrics!.putMetric({
        region: "us-east-1",
        namespace: "AWS/Lambda",
        name: "Errors",
        dimensions: { FunctionName: "tracker" },
        value,
        unit: "Count",
        timestamp: timestamp + 1000,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { Datapoints } = await clients.cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: [{ Name: "FunctionName", Value: "tracker" }],
        StartTime: new Date(timestamp),
        EndTime: new Date(timestamp + 60_000),
        Period: 60,
        Statistics: ["Sum", "SampleCount"],
      }),
    );
    expect(Datapoints).to.deep.equal([
      { Timestamp: new Date(timestamp), Sum: 2, SampleCount: 3, Unit: "Count" },
    ]);
  });
});
