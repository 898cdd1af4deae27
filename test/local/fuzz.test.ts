// Throws what an attacker or a broken client would at every service behind the edge (long keys and
// segments, prototype names in paths, ids, query strings and JSON keys, malformed XML and JSON, bad
// percent-encoding, uploads cut short or abandoned) and then checks that the cloud still answers
// correctly: every request got an answer (a 5xx only in its protocol's error shape), nothing crashed
// or polluted a prototype, nothing was written outside the state dir, and each service still works.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetRestApisCommand } from "@aws-sdk/client-api-gateway";
import { CreateLogGroupCommand, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { CreateTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { startTestCloud, type TestCloud } from "./cloud.ts";
import { createFunction, createLambdaRole, decode, ECHO_FUNCTION_DIR, zipFolder } from "./fixtures/lambda.ts";
import { brokenUpload, type RawRequest, rawRequest } from "./fixtures/raw-http.ts";

const PROTOTYPE_NAMES = ["__proto__", "constructor", "toString", "hasOwnProperty", "prototype", "valueOf"];
const ODD_SEGMENTS = [
  "a".repeat(240),
  "b".repeat(300),
  "c".repeat(5000),
  `${"d/".repeat(300)}e`,
  "%",
  "%zz",
  "%00",
  "%C0%AF",
  "..%2F..%2F..%2Ffuzz-escape",
  "%2e%2e",
  "a//b/./c/../d",
  "%F0%9F%92%A9",
  "%EF%BF%BF",
];
const MALFORMED_JSON = [
  "{",
  "[1,",
  '"text"',
  "null",
  "123",
  "[]",
  `${"[".repeat(20_000)}${"]".repeat(20_000)}`,
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  "\u0000\u0001\u0002",
];
const MALFORMED_XML = [
  "<",
  "<Delete><Object><Key>x</Key></Object>",
  "<Delete></Tagging>",
  '<!DOCTYPE d [<!ENTITY e "eeeeeeeeee">]><Delete><Object><Key>&e;&e;&e;</Key></Object></Delete>',
  `${"<a>".repeat(20_000)}${"</a>".repeat(20_000)}`,
  "<Tagging><TagSet><Tag><Key>__proto__</Key><Value>x</Value></Tag></TagSet></Tagging>",
  "not xml at all",
];

const signed = (service: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=fuzz`,
});

interface FuzzCase extends RawRequest {
  service: string;
}

/** Every request the fuzz sends, service by service. */
function fuzzCases(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const add = (service: string, request: RawRequest) => cases.push({ service, ...request });
  const names = [...PROTOTYPE_NAMES, ...ODD_SEGMENTS];

  // S3: keys, buckets, query strings and configuration documents.
  for (const name of names) {
    for (const method of ["PUT", "GET", "HEAD", "DELETE"]) {
      add("s3", { method, path: `/fuzz-bucket/${name}`, body: method === "PUT" ? "x" : undefined });
    }
    add("s3", { method: "PUT", path: `/${name}` });
    add("s3", { method: "GET", path: `/fuzz-bucket?list-type=2&prefix=${name}&${name}=1` });
    add("s3", {
      method: "PUT",
      path: `/fuzz-bucket/copy-${PROTOTYPE_NAMES[0]}`,
      headers: { "x-amz-copy-source": `fuzz-bucket/${name}` },
    });
  }
  for (const body of MALFORMED_XML) {
    for (const sub of [
      "delete",
      "tagging",
      "notification",
      "cors",
      "lifecycle",
      "publicAccessBlock",
      "encryption",
    ]) {
      add("s3", { method: sub === "delete" ? "POST" : "PUT", path: `/fuzz-bucket?${sub}`, body });
    }
    add("s3", { method: "PUT", path: "/fuzz-bucket-2", body });
  }
  add("s3", { method: "POST", path: "/fuzz-bucket/multi?uploads" });
  add("s3", { method: "POST", path: "/fuzz-bucket/multi?uploadId=__proto__", body: MALFORMED_XML[1] });
  add("s3", {
    method: "PUT",
    path: "/fuzz-bucket/multi?uploadId=constructor&partNumber=__proto__",
    body: "x",
  });

  // The awsJson services (DynamoDB, CloudWatch Logs, SQS, EventBridge, CloudWatch): operations, names, bodies.
  const json = (prefix: string, version: string, service: string) => (operation: string, body: string) =>
    add(service, {
      method: "POST",
      path: "/",
      headers: {
        ...signed(service),
        "x-amz-target": `${prefix}.${operation}`,
        "content-type": `application/x-amz-json-${version}`,
      },
      body,
    });
  const jsonServices: Array<{
    send: ReturnType<typeof json>;
    operations: string[];
    document: (name: string) => unknown;
  }> = [
    {
      send: json("DynamoDB_20120810", "1.0", "dynamodb"),
      operations: ["CreateTable", "PutItem", "GetItem", "Query", "DescribeTable", "DeleteTable"],
      document: (name) => ({ TableName: name, Key: { [name]: { S: name } }, Item: { [name]: { S: "x" } } }),
    },
    {
      send: json("Logs_20140328", "1.1", "logs"),
      operations: ["CreateLogGroup", "PutLogEvents", "DescribeLogGroups", "GetLogEvents", "FilterLogEvents"],
      document: (name) => ({
        logGroupName: name,
        logStreamName: name,
        logEvents: [{ timestamp: 1, message: name }],
      }),
    },
    // The messaging and metrics services, where the cloud runs them (else the edge's UnknownService).
    {
      send: json("AmazonSQS", "1.0", "sqs"),
      operations: ["CreateQueue", "SendMessage", "ReceiveMessage", "GetQueueAttributes"],
      document: (name) => ({
        QueueName: name,
        QueueUrl: `http://localhost/000000000000/${name}`,
        MessageBody: name,
      }),
    },
    {
      send: json("AWSEvents", "1.1", "events"),
      operations: ["PutRule", "PutEvents", "PutTargets", "DescribeRule"],
      document: (name) => ({
        Name: name,
        EventBusName: name,
        Entries: [{ Source: name, DetailType: name, Detail: "{", EventBusName: name }],
      }),
    },
    {
      send: json("GraniteServiceVersion20100801", "1.0", "monitoring"),
      operations: ["PutMetricData", "GetMetricStatistics", "PutMetricAlarm", "DescribeAlarms"],
      document: (name) => ({
        Namespace: name,
        MetricName: name,
        AlarmName: name,
        MetricData: [{ MetricName: name, Value: 1, Dimensions: [{ Name: name, Value: name }] }],
      }),
    },
  ];
  for (const { send, operations, document } of jsonServices) {
    for (const operation of [...operations, ...PROTOTYPE_NAMES]) {
      for (const body of MALFORMED_JSON) send(operation, body);
      for (const name of names) send(operation, JSON.stringify(document(name)));
    }
  }
  // SNS: the Query protocol, with names in every parameter.
  for (const name of names) {
    for (const action of ["CreateTopic", "Publish", "Subscribe", "GetTopicAttributes", name]) {
      add("sns", {
        method: "POST",
        path: "/",
        headers: { ...signed("sns"), "content-type": "application/x-www-form-urlencoded" },
        body: `Action=${action}&Name=${name}&TopicArn=arn:aws:sns:us-east-1:000000000000:${name}&Message=${name}&Protocol=sqs&Endpoint=${name}&MessageAttributes.entry.1.Name=${name}`,
      });
    }
  }

  // Lambda and API Gateway: restJson paths and bodies.
  for (const name of names) {
    const lambda = (method: string, path: string, body?: string) =>
      add("lambda", { method, path, headers: signed("lambda"), body });
    lambda("GET", `/2015-03-31/functions/${name}`);
    lambda("DELETE", `/2015-03-31/functions/${name}`);
    lambda("POST", `/2015-03-31/functions/${name}/invocations`, "{}");
    lambda("GET", `/2015-03-31/functions/${name}/policy`);
    lambda("DELETE", `/2015-03-31/functions/fuzz-echo/policy/${name}`);
    lambda("GET", `/2017-03-31/tags/${name}`);
    lambda("PUT", `/2019-09-25/functions/${name}/event-invoke-config`, '{"MaximumRetryAttempts":0}');
    lambda("GET", `/2019-09-25/functions/${name}/event-invoke-config/list?${name}=1`);
    const apigateway = (method: string, path: string, body?: string) =>
      add("apigateway", { method, path, headers: signed("apigateway"), body });
    apigateway("GET", `/restapis/${name}`);
    apigateway("GET", `/restapis/${name}/resources`);
    apigateway("GET", `/restapis/${name}/stages/${name}`);
    apigateway("POST", `/restapis/${name}/deployments`, '{"stageName":"__proto__"}');
    apigateway("DELETE", `/restapis/${name}`);
    add("execute-api", { method: "GET", path: `/_aws/execute-api/${name}/${name}/${name}` });
    add("execute-api", { method: "POST", path: `/restapis/${name}/constructor/_user_request_/x`, body: "{" });
  }
  for (const body of MALFORMED_JSON) {
    add("lambda", { method: "POST", path: "/2015-03-31/functions", headers: signed("lambda"), body });
    add("lambda", {
      method: "POST",
      path: "/2015-03-31/functions/fuzz-echo/invocations",
      headers: signed("lambda"),
      body,
    });
    add("lambda", {
      method: "POST",
      path: "/2015-03-31/functions/fuzz-echo/policy",
      headers: signed("lambda"),
      body,
    });
    add("lambda", { method: "POST", path: "/2017-03-31/tags/fuzz-echo", headers: signed("lambda"), body });
    add("lambda", {
      method: "PUT",
      path: "/2019-09-25/functions/fuzz-echo/event-invoke-config",
      headers: signed("lambda"),
      body,
    });
    add("apigateway", { method: "POST", path: "/restapis", headers: signed("apigateway"), body });
    add("apigateway", { method: "PATCH", path: "/restapis/__proto__", headers: signed("apigateway"), body });
  }

  // IAM and STS: the Query protocol, in the body and in the query string.
  for (const name of names) {
    for (const action of ["GetRole", "CreateRole", "DeleteRole", "PutRolePolicy", "ListRoleTags", name]) {
      add("iam", {
        method: "POST",
        path: "/",
        headers: { ...signed("iam"), "content-type": "application/x-www-form-urlencoded" },
        body: `Action=${action}&Version=2010-05-08&RoleName=${name}&PolicyName=${name}&AssumeRolePolicyDocument={&PolicyDocument=[`,
      });
    }
    add("sts", {
      method: "GET",
      path: `/?Action=${name}&Version=2011-06-15&${name}=1`,
      headers: signed("sts"),
    });
  }
  add("iam", { method: "POST", path: "/", headers: signed("iam"), body: "%zz=1&&&=&Action" });

  // The edge itself: admin paths, odd targets and unknown services.
  for (const name of PROTOTYPE_NAMES) {
    add("admin", { method: "GET", path: `/_s3size/${name}` });
    add("admin", { method: "GET", path: `/_s3size/console/${name}?region=${name}` });
    add("admin", { method: "POST", path: `/_s3size/${name}`, body: '{"__proto__":{"polluted":true}}' });
    add("unknown", { method: "POST", path: "/", headers: signed(name) });
    add("unknown", { method: "POST", path: "/", headers: { "x-amz-target": name } });
  }
  return cases;
}

/** The 5xx answer of each protocol, as its SDK parses it (a HEAD answer has no body to parse). */
function hasErrorShape(
  service: string,
  method: string | undefined,
  answer: { headers: Record<string, unknown>; body: string },
): boolean {
  if (method === "HEAD") return answer.body === "";
  if (service === "s3") return /<Error>[\s\S]*<Code>\w+<\/Code>/.test(answer.body);
  if (service === "iam" || service === "sts")
    return /<ErrorResponse>[\s\S]*<Code>\w+<\/Code>/.test(answer.body);
  try {
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    return typeof answer.headers["x-amzn-errortype"] === "string" || typeof body.__type === "string";
  } catch {
    return false;
  }
}

describe("local cloud fuzzing", function () {
  this.timeout(120_000);
  let parent: string;
  let test: TestCloud;
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

  before(async () => {
    process.on("unhandledRejection", record);
    // The state dir sits alone in a folder of its own: anything else appearing there escaped it.
    parent = mkdtempSync(join(tmpdir(), "s3size-fuzz-"));
    test = await startTestCloud({ stateDir: join(parent, "state") });
    await test.clients.s3.send(new CreateBucketCommand({ Bucket: "fuzz-bucket" }));
    const role = await createLambdaRole(test.clients.iam, "fuzz-role");
    await createFunction(test.clients.lambda, {
      name: "fuzz-echo",
      role,
      zip: await zipFolder(ECHO_FUNCTION_DIR),
    });
  });
  after(async () => {
    process.off("unhandledRejection", record);
    await test?.stop();
    rmSync(parent, { recursive: true, force: true });
  });

  it("answers every malformed, oversized or hostile request, with 5xx only in the protocol's error shape", async () => {
    const cases = fuzzCases();
    const badFailures: string[] = [];
    const queue = [...cases];
    const lane = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { service, ...request } = next;
        const answer = await rawRequest(test.cloud.endpoint, request);
        const label = `${service} ${request.method} ${request.path.slice(0, 80)} ${(request.body ?? "").toString().slice(0, 40)}`;
        expect(answer.status, label).to.be.within(200, 599);
        // S3SIZE_FUZZ_REPORT=1 lists the 5xx answers: each is a service bug to report, not a crash.
        if (answer.status >= 500 && process.env.S3SIZE_FUZZ_REPORT)
          console.log(`${label} -> ${answer.body.slice(0, 160)}`);
        if (answer.status >= 500 && !hasErrorShape(service, request.method, answer))
          badFailures.push(`${label} -> ${answer.status} ${answer.body.slice(0, 120)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    expect(badFailures).to.deep.equal([]);
    expect(cases.length).to.be.greaterThan(1000);
  });

  it("survives uploads cut short or abandoned at every service", async () => {
    const heads = [
      { method: "PUT", path: "/fuzz-bucket/broken", headers: {} },
      {
        method: "POST",
        path: "/",
        headers: { ...signed("dynamodb"), "x-amz-target": "DynamoDB_20120810.PutItem" },
      },
      {
        method: "POST",
        path: "/",
        headers: { ...signed("logs"), "x-amz-target": "Logs_20140328.PutLogEvents" },
      },
      { method: "POST", path: "/2015-03-31/functions/fuzz-echo/invocations", headers: signed("lambda") },
      { method: "POST", path: "/restapis", headers: signed("apigateway") },
      { method: "POST", path: "/", headers: signed("iam") },
      { method: "POST", path: "/_aws/execute-api/x/y/z", headers: {} },
      { method: "POST", path: "/_s3size/realism", headers: {} },
    ];
    for (const head of heads) {
      for (const how of ["abort", "truncate"] as const) {
        await brokenUpload(
          test.cloud.endpoint,
          { ...head, declaredLength: 100_000 },
          Buffer.alloc(5_000, 0x7b),
          how,
        );
      }
    }
    const health = await rawRequest(test.cloud.endpoint, { path: "/_s3size/health" });
    expect(health.status).to.equal(200);
  });

  it("still serves every service correctly afterwards, crashed nowhere and wrote nothing outside its state dir", async () => {
    const { s3, dynamodb, lambda, iam, sts, logs, apigateway } = test.clients;
    await s3.send(new PutObjectCommand({ Bucket: "fuzz-bucket", Key: "after/fuzz.txt", Body: "still here" }));
    const object = await s3.send(new GetObjectCommand({ Bucket: "fuzz-bucket", Key: "after/fuzz.txt" }));
    expect(await object.Body!.transformToString()).to.equal("still here");
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: "fuzz-bucket", Prefix: "after/" }));
    expect(listed.Contents?.map((item) => item.Key)).to.deep.equal(["after/fuzz.txt"]);
    // The whole bucket still lists (a key once left an orphan file that made every listing fail).
    await s3.send(new ListObjectsV2Command({ Bucket: "fuzz-bucket" }));

    await dynamodb.send(
      new CreateTableCommand({
        TableName: "after-fuzz",
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    await dynamodb.send(
      new PutItemCommand({ TableName: "after-fuzz", Item: { id: { S: "1" }, v: { S: "ok" } } }),
    );
    const item = await dynamodb.send(
      new GetItemCommand({ TableName: "after-fuzz", Key: { id: { S: "1" } } }),
    );
    expect(item.Item?.v?.S).to.equal("ok");

    const invoked = await lambda.send(
      new InvokeCommand({ FunctionName: "fuzz-echo", Payload: Buffer.from('{"n":1}') }),
    );
    expect(decode(invoked.Payload).event).to.deep.equal({ n: 1 });
    expect((await iam.send(new GetRoleCommand({ RoleName: "fuzz-role" }))).Role?.RoleName).to.equal(
      "fuzz-role",
    );
    expect((await sts.send(new GetCallerIdentityCommand({}))).Account).to.equal("000000000000");
    await logs.send(new CreateLogGroupCommand({ logGroupName: "/after/fuzz" }));
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/after/" }));
    expect(groups.logGroups?.map((group) => group.logGroupName)).to.deep.equal(["/after/fuzz"]);
    await apigateway.send(new GetRestApisCommand({}));

    expect(unhandled).to.deep.equal([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).to.deep.equal(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect(readdirSync(parent)).to.deep.equal(["state"]);
  });
});
