// Raw HTTP plumbing shared by the edge and the emulators behind it: reading a whole request body, and
// forwarding a request already read to a backend on its own loopback port (s3rver, dynalite), handing
// back the whole answer so the caller can inspect it before replying.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { request } from "node:http";

export interface BackendRequest {
  method: string;
  /** Path and query, as sent to the backend. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface BackendResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function exchange(port: number, outgoing: BackendRequest): Promise<BackendResponse> {
  const headers: IncomingHttpHeaders = {
    ...outgoing.headers,
    "content-length": String(outgoing.body.length),
  };
  delete headers["transfer-encoding"];
  delete headers.connection;
  return new Promise((resolve, reject) => {
    const call = request(
      // No keep-alive: a pooled socket would hold the backend open when the cloud stops.
      { host: "127.0.0.1", port, method: outgoing.method, path: outgoing.path, headers, agent: false },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () =>
          resolve({
            status: incoming.statusCode ?? 500,
            headers: incoming.headers,
            body: Buffer.concat(chunks),
          }),
        );
        incoming.on("error", reject);
      },
    );
    call.on("error", reject);
    call.end(outgoing.body);
  });
}

/** Replies with a backend's answer unchanged (apart from hop-by-hop headers). */
export function sendBackendResponse(res: ServerResponse, response: BackendResponse): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (
      value === undefined ||
      name === "connection" ||
      name === "transfer-encoding" ||
      name === "keep-alive"
    ) {
      continue;
    }
    headers[name] = value;
  }
  // A HEAD answer keeps the object's length although no body follows.
  if (headers["content-length"] === undefined) headers["content-length"] = String(response.body.length);
  res.writeHead(response.status, headers);
  res.end(response.body);
}

export function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => resolve(Buffer.concat(chunks)));
    incoming.on("error", reject);
  });
}
