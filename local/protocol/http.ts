// Raw HTTP plumbing for the edge: splitting a request target without normalising it, and reading a whole
// request body (bounded, and noticing a client that hangs up).

import type { IncomingMessage } from "node:http";

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
