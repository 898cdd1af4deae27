// Test fixture: an in-process local cloud in a fresh temp state dir, and SDK clients pointed at it
// exactly as the CLI builds them (explicit endpoint, path-style S3, checksums only when required).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import { type AwsTarget, clientConfig, s3ClientConfig } from "../../handlers/common/aws.ts";
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "../../local/index.ts";

export const TEST_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

export function clientsFor(
  endpoint: string,
  region = "us-east-1",
  credentials: AwsTarget["credentials"] = TEST_CREDENTIALS,
) {
  const target: AwsTarget = { endpoint, region, credentials, maxAttempts: 1 };
  return {
    s3: new S3Client(s3ClientConfig(target, {})),
    dynamodb: new DynamoDBClient(clientConfig(target, {})),
    lambda: new LambdaClient(clientConfig(target, {})),
    iam: new IAMClient(clientConfig(target, {})),
    sts: new STSClient(clientConfig(target, {})),
    apigateway: new APIGatewayClient(clientConfig(target, {})),
    logs: new CloudWatchLogsClient(clientConfig(target, {})),
    sqs: new SQSClient(clientConfig(target, {})),
    sns: new SNSClient(clientConfig(target, {})),
    events: new EventBridgeClient(clientConfig(target, {})),
    cloudwatch: new CloudWatchClient(clientConfig(target, {})),
  };
}

export type TestClients = ReturnType<typeof clientsFor>;

export interface TestCloud {
  cloud: LocalCloud;
  clients: TestClients;
  stateDir: string;
  /** Stops the cloud; keeps the state dir unless `remove` is true. */
  stop(remove?: boolean): Promise<void>;
}

export async function startTestCloud(
  options: Partial<LocalCloudOptions> & { stateDir?: string } = {},
): Promise<TestCloud> {
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "s3size-test-"));
  const cloud = await startLocalCloud({ ...options, stateDir, port: 0 });
  const clients = clientsFor(cloud.endpoint);
  return {
    cloud,
    clients,
    stateDir,
    async stop(remove = true) {
      for (const client of Object.values(clients)) client.destroy();
      await cloud.stop();
      if (remove) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
