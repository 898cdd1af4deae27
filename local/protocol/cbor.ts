// The Smithy RPC v2 CBOR wire (`POST /service/<Service>/operation/<Operation>`, `smithy-protocol:
// rpc-v2-cbor`), which newer AWS CLIs speak to CloudWatch. The bytes are the SDK's own CBOR codec's.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import { cbor, dateToTag, tagSymbol } from "@smithy/core/cbor";
import type { EdgeRequest } from "../types.ts";
import { type Input, ServiceError, type Wire } from "./operations.ts";

const OPERATION_PATH = /^\/service\/([^/]+)\/operation\/([^/]+)$/;

export function isRpcV2CborRequest(req: Pick<EdgeRequest, "path" | "headers">): boolean {
  return req.headers["smithy-protocol"] === "rpc-v2-cbor" && OPERATION_PATH.test(req.path);
}

/** Epoch-seconds tags (tag 1) become Dates; everything else stays as decoded. */
function fromCbor(value: unknown): unknown {
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  const tagged = value as { [tagSymbol]?: boolean; tag?: number; value?: unknown };
  if (tagged[tagSymbol] && tagged.tag === 1) return new Date(Number(tagged.value) * 1000);
  if (Array.isArray(value)) return value.map(fromCbor);
  const object: Record<string, unknown> = Object.create(null);
  for (const [key, field] of Object.entries(value)) object[key] = fromCbor(field);
  return object;
}

/** Dates become epoch-seconds tags; undefined members are left out (CBOR has no undefined). */
function toCbor(value: unknown): unknown {
  if (value instanceof Date) return dateToTag(value);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(toCbor);
  const object: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) if (field !== undefined) object[key] = toCbor(field);
  return object;
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const bytes = Buffer.from(cbor.serialize(toCbor(body)));
  res.writeHead(status, {
    "content-type": "application/cbor",
    "smithy-protocol": "rpc-v2-cbor",
    "content-length": bytes.length,
    "x-amzn-requestid": randomUUID(),
    ...headers,
  });
  res.end(bytes);
}

/** `namespace` is the service's Smithy namespace (e.g. com.amazonaws.cloudwatch), used in `__type`. */
export function rpcV2CborWire(options: { namespace: string; queryCompatible?: boolean }): Wire {
  return {
    operation: (req) => req.path.match(OPERATION_PATH)?.[2] ?? "",
    input(req): Input {
      if (req.body.length === 0) return Object.create(null);
      try {
        const decoded = fromCbor(cbor.deserialize(new Uint8Array(req.body)));
        if (decoded && typeof decoded === "object" && !Array.isArray(decoded)) return decoded as Input;
      } catch {
        // reported below
      }
      throw new ServiceError(400, "SerializationException", "The request body is not a valid CBOR map.");
    },
    output: (res, _operation, output) => send(res, 200, output ?? {}),
    error(res, error) {
      const headers: Record<string, string> = {};
      if (options.queryCompatible) {
        headers["x-amzn-query-error"] = `${error.queryCode};${error.status >= 500 ? "Receiver" : "Sender"}`;
      }
      send(
        res,
        error.status,
        { __type: `${options.namespace}#${error.code}`, message: error.message },
        headers,
      );
    },
  };
}
