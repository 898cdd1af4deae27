// The dashboard function's AWS clients, each built on first use from the shared configuration (so
// AWS_ENDPOINT_URL points it at the local cloud) and kept for the warm environment. SQS and CloudWatch
// live here rather than in the shared factory so the other functions' bundles do not carry them.
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { clientConfig, s3ClientConfig } from "../common/aws.ts";

export interface WebClients {
  s3(): S3Client;
  dynamodb(): DynamoDBClient;
  sqs(): SQSClient;
  cloudwatch(): CloudWatchClient;
}

function lazy<T>(create: () => T): () => T {
  let made: T | undefined;
  return () => {
    made ??= create();
    return made;
  };
}

export function createWebClients(env: NodeJS.ProcessEnv = process.env): WebClients {
  return {
    s3: lazy(() => new S3Client(s3ClientConfig({}, env))),
    dynamodb: lazy(() => new DynamoDBClient(clientConfig({}, env))),
    sqs: lazy(() => new SQSClient(clientConfig({}, env))),
    cloudwatch: lazy(() => new CloudWatchClient(clientConfig({}, env))),
  };
}
