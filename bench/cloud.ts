// The bench's local cloud: an in-process emulator in a fresh temp state dir, with SDK clients configured
// as the CLI and the functions configure theirs (path-style S3, checksums only when required).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { type AwsTarget, clientConfig, s3ClientConfig } from "../handlers/common/aws.ts";
import { type LocalCloud, startLocalCloud } from "../local/index.ts";

export const BENCH_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

export interface BenchCloud {
  cloud: LocalCloud;
  stateDir: string;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  logs: CloudWatchLogsClient;
  target: AwsTarget;
  stop(): Promise<void>;
}

export async function startBenchCloud(): Promise<BenchCloud> {
  const stateDir = mkdtempSync(join(tmpdir(), "s3size-bench-"));
  const cloud = await startLocalCloud({ stateDir, port: 0 });
  const target: AwsTarget = {
    endpoint: cloud.endpoint,
    region: "us-east-1",
    credentials: BENCH_CREDENTIALS,
    maxAttempts: 3,
  };
  const s3 = new S3Client(s3ClientConfig(target, {}));
  const dynamodb = new DynamoDBClient(clientConfig(target, {}));
  const logs = new CloudWatchLogsClient(clientConfig(target, {}));
  return {
    cloud,
    stateDir,
    s3,
    dynamodb,
    logs,
    target,
    async stop() {
      for (const client of [s3, dynamodb, logs]) client.destroy();
      await cloud.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inParallel<T>(
  items: T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
