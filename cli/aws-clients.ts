// The one place that builds the CLI's AWS clients: endpoint, region, credentials from the standard chain
// (never from flags), SDK retries, and a log of every call so convergence can be checked and reported.
import { APIGatewayClient } from "@aws-sdk/client-api-gateway";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { STSClient } from "@aws-sdk/client-sts";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { type AwsTarget, clientConfig, s3ClientConfig } from "../handlers/common/aws.ts";

export interface AwsClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  lambda: LambdaClient;
  iam: IAMClient;
  sts: STSClient;
  apigateway: APIGatewayClient;
  logs: CloudWatchLogsClient;
  /** Every command sent through these clients, in order (one entry per logical call, not per retry). */
  calls: CallRecord[];
}

export interface CallRecord {
  service: string;
  command: string;
}

export interface ClientTarget {
  region: string;
  endpoint?: string;
  profile?: string;
  /** The local cloud accepts any signature: dummy keys, so no AWS account is needed. */
  local: boolean;
  /** Where to log calls (default: a new list). */
  calls?: CallRecord[];
}

const LOCAL_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: "test", secretAccessKey: "test" };

/** Reads (Get/List/Describe/Head/Query/…) never change anything; every other command may. */
export function isMutatingCommand(command: string): boolean {
  return !/^(Get|List|Describe|Head|Query|Scan|BatchGet|Filter|Lookup|Test)/.test(
    command.replace(/Command$/, ""),
  );
}

export function mutatingCalls(calls: CallRecord[]): CallRecord[] {
  return calls.filter((call) => isMutatingCommand(call.command));
}

export function credentialsFor(target: ClientTarget): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  if (target.local) return LOCAL_CREDENTIALS;
  const chain = fromNodeProviderChain(target.profile ? { profile: target.profile } : {});
  if (!target.endpoint || !isLoopback(target.endpoint)) return chain;
  // An emulator on this machine does not check keys: fall back to dummy ones when the chain has none.
  return async () => {
    try {
      return await chain();
    } catch {
      return LOCAL_CREDENTIALS;
    }
  };
}

export function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === "localhost" || host === "[::1]" || host.startsWith("127.");
  } catch {
    return false;
  }
}

export function createAwsClients(target: ClientTarget): AwsClients {
  const awsTarget: AwsTarget = {
    region: target.region,
    endpoint: target.endpoint,
    credentials: credentialsFor(target),
    maxAttempts: 5,
  };
  // An empty environment: the target already says everything, and AWS_ENDPOINT_URL must not leak in.
  const base = clientConfig(awsTarget, {});
  const calls: CallRecord[] = target.calls ?? [];
  const clients = {
    s3: new S3Client(s3ClientConfig(awsTarget, {})),
    dynamodb: new DynamoDBClient(base),
    lambda: new LambdaClient(base),
    iam: new IAMClient(base),
    sts: new STSClient(base),
    apigateway: new APIGatewayClient(base),
    logs: new CloudWatchLogsClient(base),
  };
  for (const [service, client] of Object.entries(clients)) recordCalls(client, service, calls);
  return { ...clients, calls };
}

interface WithMiddleware {
  middlewareStack: { add: (middleware: never, options: { step: "initialize"; name: string }) => void };
}

/** Adds the call log to a client; also used by tests on mocked clients. */
export function recordCalls(client: WithMiddleware, service: string, calls: CallRecord[]): void {
  const middleware =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: unknown) => {
      calls.push({ service, command: (context.commandName ?? "unknown").replace(/Command$/, "") });
      return next(args);
    };
  client.middlewareStack.add(middleware as never, { step: "initialize", name: "s3sizeCallLog" });
}
