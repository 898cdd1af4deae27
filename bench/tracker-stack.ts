// The size tracker alone on a local cloud, in either mode, from its real zip: the tables, a bucket, a
// role with exactly the tracker's grants, and the function. The storm test and the storm bench deploy
// it this way until the CLI sets up incremental mode (issue 10, phase B).

import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { CreateRoleCommand, type IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { packageFunctions } from "../build/package.ts";
import { historyTableDefinition } from "../handlers/common/history.ts";
import { indexTableDefinition } from "../handlers/tracking/object-index/keys.ts";
import { trackerStatements } from "../handlers/tracking/role-statements.ts";
import { TRACKING_ENV, type TrackingMode } from "../handlers/tracking/settings.ts";

export interface TrackerClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  iam: IAMClient;
  lambda: LambdaClient;
}

export interface TrackerStack {
  functionName: string;
  bucket: string;
  historyTable: string;
  indexTable?: string;
}

const ACCOUNT = "000000000000";
const REGION = "us-east-1";

let trackerZip: Promise<Buffer> | undefined;

/** The size-tracking zip built for this machine, once per process. */
export function trackerZipBytes(): Promise<Buffer> {
  trackerZip ??= packageFunctions({
    target: "local",
    functions: ["size-tracking"],
    outDir: mkdtempSync(join(tmpdir(), "s3size-tracker-zip-")),
  }).then(([zip]) => readFile(zip!.zipPath));
  return trackerZip;
}

export async function deployTracker(
  clients: TrackerClients,
  options: { mode: TrackingMode; name: string; bucket: string; timeoutSeconds?: number },
): Promise<TrackerStack> {
  const historyTable = `${options.name}-history`;
  const indexTable = options.mode === "incremental" ? `${options.name}-index` : undefined;
  await clients.dynamodb.send(new CreateTableCommand(historyTableDefinition(historyTable)));
  if (indexTable) await clients.dynamodb.send(new CreateTableCommand(indexTableDefinition(indexTable)));
  await clients.s3.send(new CreateBucketCommand({ Bucket: options.bucket }));
  const role = await clients.iam.send(
    new CreateRoleCommand({
      RoleName: `${options.name}-role`,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    }),
  );
  const statements = trackerStatements({
    mode: options.mode,
    region: REGION,
    account: ACCOUNT,
    historyTable,
    ...(indexTable ? { indexTable } : {}),
    buckets: [options.bucket],
  });
  const functionName = `${options.name}-tracker`;
  // The tracker's log lines are how the storm counts requests and duplicates: Lambda keeps them only
  // when the role may write to the function's log group.
  statements.push({
    Sid: "OwnLogGroup",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/${functionName}:*`],
  });
  await clients.iam.send(
    new PutRolePolicyCommand({
      RoleName: `${options.name}-role`,
      PolicyName: "tracker",
      PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    }),
  );
  await clients.lambda.send(
    new CreateFunctionCommand({
      FunctionName: functionName,
      Runtime: "nodejs22.x",
      Role: role.Role!.Arn!,
      Handler: "index.handler",
      Code: { ZipFile: await trackerZipBytes() },
      Timeout: options.timeoutSeconds ?? 120,
      MemorySize: 256,
      Environment: {
        Variables: {
          HISTORY_TABLE: historyTable,
          [TRACKING_ENV.mode]: options.mode,
          ...(indexTable ? { [TRACKING_ENV.indexTable]: indexTable } : {}),
        },
      },
    }),
  );
  for (const until = Date.now() + 60_000; ; ) {
    const config = await clients.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: functionName }),
    );
    if (config.State === "Active" && config.LastUpdateStatus !== "InProgress") break;
    if (Date.now() > until) throw new Error(`${functionName} is still ${config.State}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { functionName, bucket: options.bucket, historyTable, ...(indexTable ? { indexTable } : {}) };
}

/** Sends the bucket's object events to the tracker as S3 notifications, with the invoke permission S3 needs. */
export async function notifyTracker(clients: TrackerClients, stack: TrackerStack): Promise<void> {
  await clients.lambda.send(
    new AddPermissionCommand({
      FunctionName: stack.functionName,
      StatementId: `s3-${stack.bucket}`,
      Action: "lambda:InvokeFunction",
      Principal: "s3.amazonaws.com",
      SourceArn: `arn:aws:s3:::${stack.bucket}`,
      SourceAccount: ACCOUNT,
    }),
  );
  await clients.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: stack.bucket,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Id: "size-tracking",
            LambdaFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${stack.functionName}`,
            Events: ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
          },
        ],
      },
    }),
  );
}
