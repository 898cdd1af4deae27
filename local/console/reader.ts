// The console's only way into the services: the AWS SDK's own clients, whose transport hands each request
// straight to the service's handler in this process. The console thereby reads what the AWS APIs answer,
// as the AWS console (itself an API client) does, through the same operations the CLI and the tests use —
// with no socket and no edge (so the throttling switch never counts it), signed as the account root (so the
// IAM policy report, which follows role sessions, never sees it), and refusing every operation that is not
// a read before it reaches a service.
import type { ServerResponse } from "node:http";
import { Readable, Writable } from "node:stream";
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
import { HttpResponse } from "@smithy/core/transport";
import { s3ClientConfig } from "../../handlers/common/aws.ts";
import type { CloudContext, EdgeRequest, Service } from "../types.ts";

/** Operations named in X-Amz-Target or a Query Action that only read. */
const READ_OPERATION = /^(Get|List|Describe|Query|Scan|FilterLogEvents$|Head)/;
/** REST methods that only read. */
const READ_METHODS = new Set(["GET", "HEAD"]);

/** The name of the operation a request asks for, as far as telling a read from a write needs. */
export function requestedOperation(req: Pick<EdgeRequest, "method" | "body" | "query" | "target">): {
  rest: boolean;
  name: string;
} {
  if (req.target) return { rest: false, name: req.target.split(".").pop() ?? "" };
  const action =
    req.query.get("Action") ??
    (req.method === "POST" ? new URLSearchParams(req.body.toString("utf8")).get("Action") : null);
  if (action !== null) return { rest: false, name: action };
  return { rest: true, name: req.method };
}

export function isReadRequest(req: Pick<EdgeRequest, "method" | "body" | "query" | "target">): boolean {
  const operation = requestedOperation(req);
  return operation.rest ? READ_METHODS.has(operation.name) : READ_OPERATION.test(operation.name);
}

export class ReadOnlyError extends Error {
  override readonly name = "ReadOnlyError";
}

/** A response object that keeps what a service writes instead of sending it. */
class CapturedResponse extends Writable {
  statusCode = 200;
  statusMessage = "";
  headersSent = false;
  private readonly headerMap = new Map<string, string>();
  private readonly chunks: Buffer[] = [];
  readonly done: Promise<void>;

  constructor() {
    super();
    this.done = new Promise((resolve, reject) => {
      this.once("finish", () => resolve());
      this.once("error", reject);
    });
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headerMap.set(name.toLowerCase(), Array.isArray(value) ? value.join(", ") : String(value));
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.headerMap.get(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.headerMap.delete(name.toLowerCase());
  }

  writeHead(status: number, ...rest: unknown[]): this {
    this.statusCode = status;
    const headers = rest.find((item) => typeof item === "object" && item !== null);
    if (typeof rest[0] === "string") this.statusMessage = rest[0];
    for (const [name, value] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
      if (value !== undefined) this.setHeader(name, value as string);
    }
    this.headersSent = true;
    return this;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.headersSent = true;
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    callback();
  }

  toHttpResponse(): HttpResponse {
    return new HttpResponse({
      statusCode: this.statusCode,
      reason: this.statusMessage,
      headers: Object.fromEntries(this.headerMap),
      body: Readable.from([Buffer.concat(this.chunks)]),
    });
  }
}

interface SdkRequest {
  method: string;
  path: string;
  query?: Record<string, string | Array<string> | null>;
  headers: Record<string, string>;
  body?: unknown;
}

/** Turns the SDK's request into the edge's, as the edge would have read it off the wire. */
async function edgeRequest(request: SdkRequest, service: string, region: string): Promise<EdgeRequest> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) query.append(name, item ?? "");
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  const target = headers["x-amz-target"];
  return {
    method: request.method,
    path: request.path,
    query,
    headers,
    body: await bodyBytes(request.body),
    service,
    region,
    ...(target ? { target } : {}),
    accessKeyId: CONSOLE_CREDENTIALS.accessKeyId,
  };
}

async function bodyBytes(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }
  throw new ReadOnlyError("the console sends no request bodies of this kind");
}

/** Not a role session's key, so IAM treats the console as the account root. */
const CONSOLE_CREDENTIALS = { accessKeyId: "s3size-console", secretAccessKey: "s3size-console" };

/**
 * The SDK's transport for one service: the request goes to `service.handle` with a captured response.
 * `onRequest` sees every operation sent (the tests check that they are all reads).
 */
function inProcessHandler(
  lookup: () => Service | undefined,
  name: string,
  region: string,
  onRequest: (operation: string) => void,
) {
  return {
    metadata: { handlerProtocol: "in-process" },
    async handle(request: SdkRequest) {
      const service = lookup();
      if (!service) throw new Error(`the local cloud has no ${name} service`);
      const req = await edgeRequest(request, name, region);
      const operation = requestedOperation(req);
      onRequest(`${name}:${operation.rest ? `${req.method} ${req.path}` : operation.name}`);
      if (!isReadRequest(req)) {
        throw new ReadOnlyError(`the console only reads; it refused ${name} ${operation.name}`);
      }
      const res = new CapturedResponse();
      await service.handle(req, res as unknown as ServerResponse);
      await res.done;
      return { response: res.toHttpResponse() };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

function createClients(region: string, endpoint: string, config: (service: string) => object) {
  return {
    s3: new S3Client({ ...config("s3"), ...s3ClientConfig({ endpoint, region }, {}) }),
    dynamodb: new DynamoDBClient(config("dynamodb")),
    lambda: new LambdaClient(config("lambda")),
    iam: new IAMClient({ ...config("iam"), region: "us-east-1" }),
    apigateway: new APIGatewayClient(config("apigateway")),
    logs: new CloudWatchLogsClient(config("logs")),
    sqs: new SQSClient(config("sqs")),
    sns: new SNSClient(config("sns")),
    events: new EventBridgeClient(config("events")),
    cloudwatch: new CloudWatchClient(config("monitoring")),
  };
}

export type ConsoleClients = ReturnType<typeof createClients>;

export interface ConsoleReader {
  /** SDK clients for one region, built once and reused. */
  clients(region: string): ConsoleClients;
  ctx: CloudContext;
  close(): void;
}

export function createConsoleReader(
  ctx: CloudContext,
  services: ReadonlyMap<string, Service>,
  onRequest: (operation: string) => void = () => {},
): ConsoleReader {
  const byRegion = new Map<string, ConsoleClients>();
  return {
    ctx,
    clients(region) {
      let clients = byRegion.get(region);
      if (!clients) {
        // The edge's own address, so that URLs in answers (queue URLs, presigned links) are the real ones.
        clients = createClients(region, ctx.endpoint, (name) => {
          // IAM is global: its requests are signed for us-east-1 and go to the one IAM service.
          const signingRegion = name === "iam" ? "us-east-1" : region;
          return {
            region: signingRegion,
            endpoint: ctx.endpoint,
            credentials: CONSOLE_CREDENTIALS,
            maxAttempts: 1,
            requestHandler: inProcessHandler(() => services.get(name), name, signingRegion, onRequest),
          };
        });
        byRegion.set(region, clients);
      }
      return clients;
    },
    close() {
      for (const clients of byRegion.values()) for (const client of Object.values(clients)) client.destroy();
      byRegion.clear();
    },
  };
}
