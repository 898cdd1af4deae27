// S3's REST-XML wire: where a request names its bucket and key (path-style or virtual-hosted), the
// request ids every answer carries, and answers and errors in S3's XML.
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { parseXml, type XmlElement, xmlEscape } from "../protocol/xml.ts";
import type { EdgeRequest } from "../types.ts";
import { S3Failure } from "./failure.ts";
import { randomChunk } from "./random.ts";

export const S3_NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

export interface S3Call {
  req: EdgeRequest;
  /** Decoded bucket name, "" for a request to the service (ListBuckets). */
  bucket: string;
  /** Decoded key exactly as sent, "" for a request to the bucket. */
  key: string;
  requestId: string;
  hostId: string;
  /** Headers every answer to this call carries (request ids, CORS). */
  headers: Record<string, string>;
}

/** `<bucket>.localhost`, `<bucket>.s3.localhost` and `<bucket>.s3.<region>.localhost`, any port. */
export function virtualHostBucket(host: string | undefined): string | undefined {
  const name = (host ?? "").toLowerCase().replace(/:\d+$/, "");
  if (!name.endsWith(".localhost")) return undefined;
  const bucket = name.slice(0, -".localhost".length).replace(/(^|\.)s3(\.[a-z]{2}(-gov)?-[a-z]+-\d+)?$/, "");
  return bucket === "" ? undefined : bucket;
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3Failure(400, "InvalidURI", "Couldn't parse the specified URI.", { URI: raw });
  }
}

/** Bucket and key from the raw (still percent-encoded) path; `//` and dot segments stay part of the key. */
export function addressOf(path: string, host: string | undefined): { bucket: string; key: string } {
  const hosted = virtualHostBucket(host);
  if (hosted !== undefined) return { bucket: hosted, key: decodeSegment(path.replace(/^\//, "")) };
  const rest = path.replace(/^\//, "");
  const slash = rest.indexOf("/");
  if (slash < 0) return { bucket: decodeSegment(rest), key: "" };
  return { bucket: decodeSegment(rest.slice(0, slash)), key: decodeSegment(rest.slice(slash + 1)) };
}

/** 16 upper-case hex characters, as S3's x-amz-request-id. */
function newRequestId(): string {
  return randomChunk(8).toString("hex").toUpperCase();
}

export function newCall(req: EdgeRequest): S3Call {
  const requestId = newRequestId();
  const hostId = randomChunk(48).toString("base64");
  const call: S3Call = {
    req,
    bucket: "",
    key: "",
    requestId,
    hostId,
    headers: { "x-amz-request-id": requestId, "x-amz-id-2": hostId },
  };
  Object.assign(call, addressOf(req.path, req.headers.host));
  return call;
}

export function sendXml(
  res: ServerResponse,
  call: S3Call,
  status: number,
  xml: string,
  headers: OutgoingHttpHeaders = {},
): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  res.writeHead(status, {
    ...call.headers,
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function sendEmpty(
  res: ServerResponse,
  call: S3Call,
  status: number,
  headers: OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, { ...call.headers, "content-length": "0", ...headers });
  res.end();
}

/** An S3 error: `<Error><Code/><Message/>…<RequestId/><HostId/></Error>` (HEAD answers carry no body). */
export function sendFailure(res: ServerResponse, call: S3Call, failure: S3Failure): void {
  const fields = Object.entries(failure.extra)
    .map(([name, value]) => `<${name}>${xmlEscape(value)}</${name}>`)
    .join("");
  const headers = { ...failure.headers };
  if (call.req.method === "HEAD") {
    res.writeHead(failure.status, { ...call.headers, ...headers, "content-length": "0" });
    res.end();
    return;
  }
  sendXml(
    res,
    call,
    failure.status,
    `<Error><Code>${failure.code}</Code><Message>${xmlEscape(failure.message)}</Message>${fields}<RequestId>${call.requestId}</RequestId><HostId>${call.hostId}</HostId></Error>`,
    headers,
  );
}

export function malformedXml(): S3Failure {
  return new S3Failure(
    400,
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
  );
}

/** A request body as XML, or MalformedXML as S3 answers a body it cannot read. */
export function parseXmlBody(body: Buffer): XmlElement {
  try {
    return parseXml(body.toString("utf8"));
  } catch {
    throw malformedXml();
  }
}

export function xmlBody(call: S3Call): XmlElement {
  return parseXmlBody(call.req.body);
}

/** `<Name>value</Name>`, escaped; nothing when the value is undefined or "". */
export function xmlField(name: string, value: string | number | boolean | undefined): string {
  return value === undefined || value === "" ? "" : `<${name}>${xmlEscape(String(value))}</${name}>`;
}

export function header(call: S3Call, name: string): string | undefined {
  const value = call.req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** CopyObject and UploadPartCopy are their plain twins plus this header. */
export function hasCopySource(call: S3Call): boolean {
  return header(call, "x-amz-copy-source") !== undefined;
}
