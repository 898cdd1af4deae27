// Helpers for the S3 tests: expected failures, a client left at the SDK's defaults, and raw HTTP requests
// whose path is sent byte for byte (fetch would resolve "..") and signed with a SigV4 credential scope
// (the local cloud reads the scope and the access key, not the signature).
import { request } from "node:http";
import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { TEST_CREDENTIALS } from "./cloud.ts";

export async function failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, "the call should have failed").to.be.instanceOf(S3ServiceException);
  return error as S3ServiceException;
}

/** A client configured as SDK users leave it: checksums when supported, aws-chunked streaming uploads. */
export function defaultsClient(endpoint: string, region = "us-east-1"): S3Client {
  return new S3Client({
    endpoint,
    region,
    credentials: TEST_CREDENTIALS,
    forcePathStyle: true,
    maxAttempts: 1,
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  /** The <Code> of an S3 error body, if any. */
  code: string | undefined;
  message: string | undefined;
}

export function signedBy(accessKeyId = "test", region = "us-east-1") {
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/${region}/s3/aws4_request, SignedHeaders=host, Signature=0000`,
  };
}

/** Sends `path` exactly as given (dot segments and all). Signed as S3 unless `headers.authorization` is "". */
export function raw(
  endpoint: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  const url = new URL(endpoint);
  const headers: Record<string, string> = { ...signedBy(), ...options.headers };
  if (headers.authorization === "") delete headers.authorization;
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  if (body) headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const call = request(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString("utf8");
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: bytes,
            text,
            ...errorOf(text),
          });
        });
        response.on("error", reject);
      },
    );
    call.on("error", reject);
    call.end(body);
  });
}

/** The Code and Message of an S3 error document, entities decoded. */
export function errorOf(text: string): { code: string | undefined; message: string | undefined } {
  const decode = (value: string | undefined) =>
    value
      ?.replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&");
  return {
    code: text.match(/<Code>([^<]*)<\/Code>/)?.[1],
    message: decode(text.match(/<Message>([^<]*)<\/Message>/)?.[1]),
  };
}
