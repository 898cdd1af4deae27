// The Lambda Runtime API (2018-06-01) that one execution environment's bootstrap talks to. Each
// environment gets a server of its own, as each AWS sandbox has its own AWS_LAMBDA_RUNTIME_API.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "../protocol/http.ts";

export interface RuntimeApiHandlers {
  /** GET invocation/next: answer `res` (now or later) with `sendInvocation`. */
  next(res: ServerResponse): void;
  response(requestId: string, payload: Buffer): void;
  error(requestId: string, payload: Buffer, errorType: string): void;
  initError(payload: Buffer, errorType: string): void;
}

export interface RuntimeApi {
  /** The value of AWS_LAMBDA_RUNTIME_API. */
  address: string;
  close(): Promise<void>;
}

export interface DeliveredInvocation {
  requestId: string;
  deadlineMs: number;
  functionArn: string;
  payload: Buffer;
}

export async function startRuntimeApi(handlers: RuntimeApiHandlers): Promise<RuntimeApi> {
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => route(handlers, req, res, body),
      () => res.destroy(),
    );
  });
  // invocation/next is a long poll: it may wait minutes for work, so no request timeouts apply.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function sendInvocation(res: ServerResponse, invocation: DeliveredInvocation): void {
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": invocation.payload.length,
    "lambda-runtime-aws-request-id": invocation.requestId,
    "lambda-runtime-deadline-ms": String(invocation.deadlineMs),
    "lambda-runtime-invoked-function-arn": invocation.functionArn,
  });
  res.end(invocation.payload);
}

function route(handlers: RuntimeApiHandlers, req: IncomingMessage, res: ServerResponse, body: Buffer) {
  const path = new URL(req.url ?? "/", "http://runtime").pathname;
  const errorType = String(req.headers["lambda-runtime-function-error-type"] ?? "Unhandled");
  const accepted = () => {
    res.writeHead(202, { "content-type": "application/json" });
    res.end('{"status":"OK"}');
  };
  if (req.method === "GET" && path === "/2018-06-01/runtime/invocation/next") return handlers.next(res);
  const match = path.match(/^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/);
  if (req.method === "POST" && match) {
    const requestId = decodeURIComponent(match[1]!);
    if (match[2] === "response") handlers.response(requestId, body);
    else handlers.error(requestId, body, errorType);
    return accepted();
  }
  if (req.method === "POST" && path === "/2018-06-01/runtime/init/error") {
    handlers.initError(body, errorType);
    return accepted();
  }
  res.writeHead(404, { "content-type": "application/json" });
  res.end(JSON.stringify({ errorType: "InvalidRequest", errorMessage: `${req.method} ${path}` }));
}
