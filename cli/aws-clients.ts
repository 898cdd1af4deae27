// The one place that builds the CLI's AWS clients: endpoint, region, credentials from the standard chain
// (never from flags), SDK retries, and a log of every call so convergence can be checked and reported.
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
import { fromEnv, fromNodeProviderChain } from "@aws-sdk/credential-providers";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import { type AwsTarget, clientConfig, s3ClientConfig } from "../handlers/common/aws.ts";
import { SERVICE_IDS, type ServiceKey } from "./aws-config.ts";

export interface AwsClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  lambda: LambdaClient;
  iam: IAMClient;
  sts: STSClient;
  apigateway: APIGatewayClient;
  logs: CloudWatchLogsClient;
  events: EventBridgeClient;
  sns: SNSClient;
  sqs: SQSClient;
  cloudwatch: CloudWatchClient;
  /** Every command sent through these clients, in order (one entry per logical call, not per retry). */
  calls: CallRecord[];
}

export interface CallRecord {
  service: string;
  command: string;
}

export interface ClientTarget {
  region: string;
  /** One endpoint for every service (the local cloud); `endpoints` wins per service. */
  endpoint?: string;
  /** Per service, as resolved from --endpoint-url and the configured-endpoint settings. */
  endpoints?: Partial<Record<ServiceKey, string>>;
  /** The profile credentials come from; undefined lets the chain pick (environment, then default). */
  profile?: string;
  /** The shared files, when the environment names other ones than ~/.aws/config and ~/.aws/credentials. */
  files?: { configFile: string; credentialsFile: string };
  /** Static keys in the environment win (AWS_PROFILE alongside AWS_ACCESS_KEY_ID, as in the AWS CLI). */
  envCredentials?: boolean;
  /** The local cloud accepts any signature: dummy keys, so no AWS account is needed. */
  local: boolean;
  /** Where to log calls (default: a new list). */
  calls?: CallRecord[];
  /** Where the SDK's warnings go; by default nowhere (users see them with --verbose). */
  warn?: (message: string) => void;
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

/** The SDK prints some warnings with console.warn unless it is given a logger of its own. */
function sdkLogger(warn: (message: string) => void) {
  const quiet = () => {};
  return { trace: quiet, debug: quiet, info: quiet, warn, error: warn };
}

export function credentialsFor(target: ClientTarget): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  if (target.local) return LOCAL_CREDENTIALS;
  const logger = sdkLogger(target.warn ?? (() => {}));
  const chain = target.envCredentials
    ? fromEnv({ logger })
    : fromNodeProviderChain({
        ...(target.profile ? { profile: target.profile } : {}),
        ...(target.files
          ? { configFilepath: target.files.configFile, filepath: target.files.credentialsFile }
          : {}),
        logger,
      });
  if (!endpointsOf(target).every((endpoint) => endpoint !== undefined && isLoopback(endpoint))) return chain;
  // An emulator on this machine does not check keys: fall back to dummy ones when the chain has none.
  return async () => {
    try {
      return await chain();
    } catch {
      return LOCAL_CREDENTIALS;
    }
  };
}

function endpointsOf(target: ClientTarget): Array<string | undefined> {
  return (Object.keys(SERVICE_IDS) as ServiceKey[]).map((key) => target.endpoints?.[key] ?? target.endpoint);
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
  const credentials = credentialsFor(target);
  const configFor = (service: ServiceKey): AwsTarget => ({
    region: target.region,
    endpoint: target.endpoints?.[service] ?? target.endpoint,
    credentials,
    maxAttempts: 5,
  });
  // An empty environment, and configured endpoints off: the target already says everything (resolved
  // from this command's flags, environment and profile), so nothing may leak in a second time.
  const base = (service: ServiceKey) => ({
    ...clientConfig(configFor(service), {}),
    ignoreConfiguredEndpointUrls: true,
  });
  const calls: CallRecord[] = target.calls ?? [];
  const clients = {
    s3: new S3Client({ ...s3ClientConfig(configFor("s3"), {}), ignoreConfiguredEndpointUrls: true }),
    dynamodb: new DynamoDBClient(base("dynamodb")),
    lambda: new LambdaClient(base("lambda")),
    iam: new IAMClient(base("iam")),
    sts: new STSClient(base("sts")),
    apigateway: new APIGatewayClient(base("apigateway")),
    logs: new CloudWatchLogsClient(base("logs")),
    events: new EventBridgeClient(base("events")),
    sns: new SNSClient(base("sns")),
    sqs: new SQSClient(base("sqs")),
    cloudwatch: new CloudWatchClient(base("cloudwatch")),
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
