// Raw HTTP plumbing shared by the edge and the emulators behind it: splitting a request target without
// normalising it, reading a whole request body (bounded, and noticing a client that hangs up), and
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

/** The request's body went away before it was complete: nobody is left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super("the client closed the connection before sending the whole body");
    this.name = "ClientGoneError";
  }
}

/** The body is larger than the service accepts; the edge answers it without reading further. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * Reads the whole body, at most `limit` bytes. Rejects with ClientGoneError when the client hangs up
 * (or the upload is cut short) before the end, so a half-sent body never reaches a service.
 */
export function readBody(incoming: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(incoming.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) return reject(new BodyTooLargeError(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    incoming.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        incoming.removeAllListeners("data");
        incoming.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    incoming.on("end", () => resolve(Buffer.concat(chunks)));
    incoming.on("error", () => reject(new ClientGoneError()));
    incoming.on("close", () => {
      if (!incoming.complete) reject(new ClientGoneError());
    });
  });
}

/**
 * Splits a request target into its raw path (still percent-encoded, dot segments and doubled slashes
 * kept exactly as sent: S3 keys such as `../b/x` are data) and its query. An absolute-form target
 * (`GET http://host/path`, as proxies send) is reduced to its path; anything else is not a path.
 */
export function splitRequestTarget(target: string): { path: string; query: URLSearchParams } | undefined {
  const absolute = target.match(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/);
  const sent = absolute ? target.slice(absolute[0].length) || "/" : target;
  // A fragment is never part of a request; clients percent-encode a '#' that belongs to a key.
  const rest = sent.split("#")[0]!;
  if (!rest.startsWith("/")) return undefined;
  const mark = rest.indexOf("?");
  if (mark < 0) return { path: rest, query: new URLSearchParams() };
  return { path: rest.slice(0, mark), query: new URLSearchParams(rest.slice(mark + 1)) };
}
