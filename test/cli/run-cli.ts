// Runs the CLI as a function with captured output, against a local cloud started by the test, and
// checks what a stack left behind in it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { GetRestApisCommand } from "@aws-sdk/client-api-gateway";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { ListRulesCommand } from "@aws-sdk/client-eventbridge";
import { ListRolesCommand } from "@aws-sdk/client-iam";
import { ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { ListTopicsCommand } from "@aws-sdk/client-sns";
import { ListQueuesCommand } from "@aws-sdk/client-sqs";
import { expect } from "chai";
import { type PackagedFunction, packageFunctions } from "../../build/package.ts";
import { type AwsClients, type CallRecord, createAwsClients } from "../../cli/aws-clients.ts";
import { main } from "../../cli/main.ts";
import type { MainIo } from "../../cli/session.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  calls: CallRecord[];
}

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

/**
 * Short enough to keep the suite quick, long enough that a cold tracker (its first invocations start
 * a Node process) has listed the bucket before the next change: the tracker records the size it lists.
 * 800 ms was seen to collapse two steps into one record on a loaded 2-core machine.
 */
export const DEMO_SLEEP_MS = "1500";

let zips: Promise<PackagedFunction[]> | undefined;

/** The host-target zips, built once per test run into a folder of their own. */
export function hostZips(): Promise<PackagedFunction[]> {
  zips ??= packageFunctions({ target: "local", outDir: mkdtempSync(join(tmpdir(), "s3size-cli-zips-")) });
  return zips;
}

export async function runCli(args: string[], io: Partial<MainIo> & { cwd: string }): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const calls: CallRecord[] = [];
  const code = await main(["node", "s3size", ...args], {
    stdinIsTTY: false,
    packageFunctions: () => hostZips(),
    ...io,
    stdout,
    stderr,
    calls,
    env: { AWS_EC2_METADATA_DISABLED: "true", ...io.env },
  });
  return { code, stdout: stdout.text, stderr: stderr.text, calls };
}

export function cloudClients(endpoint: string): AwsClients {
  return createAwsClients({ region: "us-east-1", endpoint, local: true });
}

/** Every resource of the default-named stack still present in the cloud, by kind. */
export async function leftovers(clients: AwsClients): Promise<string[]> {
  const left: string[] = [];
  for (const bucket of (await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? [])
    left.push(`bucket ${bucket.Name}`);
  for (const table of (await clients.dynamodb.send(new ListTablesCommand({}))).TableNames ?? [])
    left.push(`table ${table}`);
  for (const fn of (await clients.lambda.send(new ListFunctionsCommand({}))).Functions ?? [])
    left.push(`function ${fn.FunctionName}`);
  for (const role of (await clients.iam.send(new ListRolesCommand({}))).Roles ?? [])
    left.push(`role ${role.RoleName}`);
  for (const api of (await clients.apigateway.send(new GetRestApisCommand({}))).items ?? [])
    left.push(`api ${api.name}`);
  const groups = await clients.logs.send(
    new DescribeLogGroupsCommand({ logGroupNamePrefix: "/aws/lambda/" }),
  );
  for (const group of groups.logGroups ?? []) left.push(`log group ${group.logGroupName}`);
  // The stack's topic, queue and alarm (a user's own queue, say an S3 destination, is not the stack's).
  const topics = await clients.sns.send(new ListTopicsCommand({}));
  for (const topic of topics.Topics ?? []) {
    const name = topic.TopicArn!.split(":").at(-1)!;
    if (name.startsWith("s3size")) left.push(`topic ${name}`);
  }
  const queues = await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: "s3size" }));
  for (const url of queues.QueueUrls ?? []) left.push(`queue ${url.split("/").at(-1)}`);
  const alarms = await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: "s3size" }));
  for (const alarm of alarms.MetricAlarms ?? []) left.push(`alarm ${alarm.AlarmName}`);
  // The EventBridge trigger's rule and incremental mode's schedule.
  const rules = await clients.events.send(new ListRulesCommand({ NamePrefix: "s3size" }));
  for (const rule of rules.Rules ?? []) left.push(`rule ${rule.Name}`);
  return left;
}

/** Exactly two lines: the error and its hint. */
export function expectOneLineError(
  run: CliRun | { code: number; stderr: string },
  message: RegExp,
  hint: RegExp,
  code = 1,
) {
  expect(run.code, run.stderr).to.equal(code);
  const lines = run.stderr.trimEnd().split("\n");
  expect(lines, run.stderr).to.have.length(2);
  expect(lines[0]).to.match(/^error: /);
  expect(lines[0]).to.match(message);
  expect(lines[1]).to.match(/^hint: /);
  expect(lines[1]).to.match(hint);
}
