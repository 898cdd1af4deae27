// The contracts between the local cloud's edge and its services, and between services that call each other
// (S3 notifications and API Gateway invoke Lambda; Lambda checks IAM roles and writes CloudWatch Logs).
import type { IncomingHttpHeaders, ServerResponse } from "node:http";

export const LOCAL_ACCOUNT_ID = "000000000000";

/** A request as the edge hands it to a service: body fully read, service already identified. */
export interface EdgeRequest {
  method: string;
  /** The raw path as sent (still percent-encoded), without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Service name from the SigV4 credential scope (e.g. "s3", "dynamodb", "lambda", "logs"). */
  service: string;
  /** Region from the SigV4 credential scope, or the cloud's default region. */
  region: string;
  /** X-Amz-Target header, when present. */
  target?: string;
  /** Access key id from the SigV4 credential (header or presigned query); IAM maps it to a principal. */
  accessKeyId?: string;
}

export interface Service {
  readonly name: string;
  handle(req: EdgeRequest, res: ServerResponse): Promise<void>;
  /** Called once the edge listens: work that calls the cloud back (queued events) may begin. */
  start?(): Promise<void>;
  /** Stops timers, child processes and servers; state is already persisted. */
  close?(): Promise<void>;
}

/**
 * Switches that reproduce the AWS behaviours which break naive provisioning. Most are off (0) by default
 * and tests and `s3size local` turn them on; a function's Pending and InProgress times are on by default,
 * as every client must wait for them on AWS. The object is live: services read it on every call.
 */
export interface RealismSettings {
  /** For this long after CreateRole, Lambda refuses the role as "cannot be assumed by Lambda". */
  iamPropagationMs: number;
  /** For this long after CreateFunction the function's State is Pending. */
  functionPendingMs: number;
  /** For this long after an update the function's LastUpdateStatus is InProgress (and updates conflict). */
  functionUpdateMs: number;
  /** Every Nth control-plane call (non-data-plane) is answered with the service's throttling error; 0 = off. */
  throttleEveryN: number;
  /** Delay before each retry of a failed asynchronous invocation (AWS: about 1 and 2 minutes). */
  asyncRetryDelayMs: number;
  /** Fraction (0–1) of S3 event notifications delivered twice, as AWS's at-least-once delivery may. */
  eventDuplicates: number;
  /** S3 event notifications are delivered out of order within this window (each delayed up to it). */
  eventReorderMs: number;
  /** IAM enforcement for role sessions: deny as AWS would, only log what would be denied, or check nothing. */
  iam: IamMode;
  /** How long a global secondary index added by UpdateTable stays CREATING (backfilling) before ACTIVE. */
  indexBackfillMs: number;
  /** How long a minute lasts for CloudWatch alarms: they are evaluated that often, over periods scaled alike (AWS: 60 000). */
  alarmMinuteMs: number;
  /** How long a minute of an EventBridge rate() schedule lasts (AWS: 60 000); cron schedules keep wall-clock time. */
  scheduleMinuteMs: number;
  /** How long SQS refuses to create a queue of a name just deleted, QueueDeletedRecently (AWS: 60 000). */
  queueNameReuseMs: number;
}

export type IamMode = "enforce" | "warn" | "off";

export const DEFAULT_REALISM: RealismSettings = {
  iamPropagationMs: 0,
  functionPendingMs: 400,
  functionUpdateMs: 300,
  throttleEveryN: 0,
  asyncRetryDelayMs: 1000,
  eventDuplicates: 0,
  eventReorderMs: 0,
  iam: "enforce",
  indexBackfillMs: 1000,
  alarmMinuteMs: 60_000,
  scheduleMinuteMs: 60_000,
  queueNameReuseMs: 60_000,
};

export interface InvokeCaller {
  /** Service principal on whose behalf the call is made, e.g. "s3.amazonaws.com". */
  principal: string;
  sourceArn?: string;
  sourceAccount?: string;
  /** The caller's region: a function named without an ARN is looked up there (default: the cloud's). */
  region?: string;
}

export interface InvokeResult {
  statusCode: number;
  payload: Buffer;
  /** Set when the function failed ("Unhandled"), as the X-Amz-Function-Error header. */
  functionError?: string;
  executedVersion: string;
  /** Base64 of the last 4 KB of the invocation's log output, for LogType=Tail. */
  logResult?: string;
}

export interface LambdaInternal {
  /**
   * Invokes by name or ARN. "Event" queues the invocation, returns 202 at once, and retries a failed
   * execution as AWS's asynchronous invocation does.
   */
  invoke(
    functionNameOrArn: string,
    payload: Buffer,
    options: { invocationType: "RequestResponse" | "Event"; caller?: InvokeCaller },
  ): Promise<InvokeResult>;
  functionExists(functionNameOrArn: string, region?: string): boolean;
  /** Whether the function's resource policy lets this principal (and source) invoke it. */
  isInvokeAllowed(functionNameOrArn: string, caller: InvokeCaller): boolean;
}

/**
 * What one operation needs from IAM, declared next to the operation in its service's operation table
 * (action and resource ARNs as AWS's Service Authorization Reference lists them), so enforcement, the
 * policy report and the console all read the same declaration.
 */
export interface IamRequirement {
  /** e.g. "dynamodb:PutItem" */
  action: string;
  /** The ARNs the action is evaluated against (in the region the request was signed for); ["*"] when the action has no resource type. */
  resources: string[];
  /** Condition keys the request supplies beyond the global ones (e.g. "s3:prefix"). */
  context?: Record<string, string | string[]>;
  /** The resource's own policy (a bucket policy, a function policy, a queue or topic policy), as JSON. */
  resourcePolicy?: string;
}

export type AuthorizationResult =
  | { allowed: true }
  | {
      allowed: false;
      message: string;
      /** Set when the credentials themselves are refused (each protocol names these errors its own way). */
      credentials?: "expired" | "invalid";
    };

export interface IamInternal {
  /** "propagating" while the realism delay since the role's creation has not passed. */
  roleStatus(roleArn: string): "missing" | "propagating" | "ready";
  /**
   * Evaluates the request's principal (from its access key) against its policies. The account root is
   * always allowed; absent an implementation everything is allowed.
   */
  authorize?(req: EdgeRequest, requirement: IamRequirement): AuthorizationResult;
  /**
   * Temporary credentials for a session of a role, as Lambda hands its execution role to function code
   * (and STS AssumeRole to a caller); requests signed with them act as that role session.
   */
  issueRoleSession?(roleArn: string, sessionName: string): SessionCredentials;
  /**
   * Whether a role's identity policies allow an action, for checks AWS makes on a role outside any
   * request (e.g. Lambda checking that an execution role may send to an on-failure destination).
   */
  evaluateRole?(roleArn: string, requirement: IamRequirement): AuthorizationResult;
}

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiration: number;
}

/** SQS's side for other services (Lambda destinations, S3 and SNS deliveries). Throws when the queue is missing. */
export interface SqsInternal {
  /**
   * With a `caller` (a service principal delivering on the owner's behalf: S3, SNS, EventBridge), the
   * queue's policy must allow it `sqs:SendMessage`, as AWS requires; without one (a Lambda destination,
   * sent with the function's role, which Lambda checks) the send is not checked again.
   */
  sendMessage(
    queueArn: string,
    body: string,
    attributes?: Record<string, { DataType: string; StringValue: string }>,
    caller?: InvokeCaller,
  ): Promise<{ messageId: string }>;
}

/** SNS's side for other services (Lambda destinations, S3 deliveries, CloudWatch alarm actions). */
export interface SnsInternal {
  publish(
    topicArn: string,
    message: string,
    options?: {
      subject?: string;
      attributes?: Record<string, { DataType: string; StringValue: string }>;
      /** A service principal publishing on the owner's behalf (S3, CloudWatch, EventBridge): the topic's policy must allow it `sns:Publish`. */
      caller?: InvokeCaller;
    },
  ): Promise<{ messageId: string }>;
}

/** EventBridge's side for other services (S3 → EventBridge, Lambda destinations). */
export interface EventsInternal {
  putEvent(
    region: string,
    event: { source: string; detailType: string; detail: unknown; resources: string[]; busName?: string },
  ): Promise<void>;
}

/** CloudWatch's side for other services: a service publishing its own metrics (Lambda's AWS/Lambda ones). */
export interface MetricsInternal {
  putMetric(datum: {
    region: string;
    namespace: string;
    name: string;
    dimensions: Record<string, string>;
    value: number;
    unit: string;
    timestamp?: number;
  }): void;
}

export interface LogEvent {
  timestamp: number;
  message: string;
}

export interface LogsInternal {
  /**
   * Appends events, creating the group and stream when they do not exist (as Lambda does), in the given
   * region (the cloud's default region when absent).
   */
  putEvents(group: string, stream: string, events: LogEvent[], region?: string): void;
}

export interface CloudContext {
  /** Default region when a request carries none. */
  region: string;
  accountId: string;
  /** Where every service persists its state (a folder of its own per service). */
  dataDir: string;
  host: string;
  /** Base URL of the edge (http://host:port), known once it listens. */
  endpoint: string;
  realism: RealismSettings;
  lambda?: LambdaInternal;
  iam?: IamInternal;
  logs?: LogsInternal;
  metrics?: MetricsInternal;
  sqs?: SqsInternal;
  sns?: SnsInternal;
  events?: EventsInternal;
  /** Emulator diagnostics; silent unless the cloud was started verbose. */
  debug(message: string): void;
}

/** Where a request to a deployed REST API is going: `/_aws/execute-api/<apiId>/<stage>/<path>`. */
export interface ExecuteApiTarget {
  apiId: string;
  stage: string;
  /** The path below the stage, still percent-encoded, starting with "/". */
  path: string;
}

export interface ApiGatewayService extends Service {
  /** Serves a call to a deployed API as API Gateway's execute-api endpoint would. */
  execute(target: ExecuteApiTarget, req: EdgeRequest, res: ServerResponse): Promise<void>;
}
