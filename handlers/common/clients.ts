// The one factory for the handlers' AWS clients: built once per execution environment from the
// shared client configuration, so AWS_ENDPOINT_URL points all three functions at the local cloud.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { clientConfig, s3ClientConfig } from "./aws.ts";

export interface AwsClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
}

let shared: AwsClients | undefined;

export function createAwsClients(env: NodeJS.ProcessEnv = process.env): AwsClients {
  return {
    s3: new S3Client(s3ClientConfig({}, env)),
    dynamodb: new DynamoDBClient(clientConfig({}, env)),
  };
}

/** Clients reused across invocations of a warm Lambda, created on first use. */
export function awsClients(): AwsClients {
  shared ??= createAwsClients();
  return shared;
}
