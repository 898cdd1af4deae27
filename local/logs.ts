// The local cloud's CloudWatch Logs (awsJson 1.1, X-Amz-Target Logs_20140328.<Op>): log groups per region
// in <data>/logs/<region>/, every operation authorized against its declared IAM requirement, and
// `ctx.logs.putEvents` for Lambda's output.
import { existsSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { authorize, jsonDenialCode } from "./authorization.ts";
import { type Input, type LogsArns, LogsError, OPERATIONS } from "./logs/operations.ts";
import { LogStore } from "./logs/store.ts";
import { parseJsonBody, sendAwsJsonError, sendJson } from "./protocol/json.ts";
import { invalidRegionMessage, isRegion } from "./regions.ts";
import type { CloudContext, EdgeRequest, Service } from "./types.ts";

const CONTENT_TYPE = "application/x-amz-json-1.1";

/** Before regions, every group lived in <data>/logs/ itself: those are us-east-1's. */
function convertSingleRegionLayout(root: string): void {
  if (!existsSync(join(root, "groups.json"))) return;
  const target = join(root, "us-east-1");
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(root)) {
    if (entry === "groups.json" || /^[0-9a-f]{24}$/.test(entry))
      renameSync(join(root, entry), join(target, entry));
  }
}

export async function createLogsService(ctx: CloudContext): Promise<Service> {
  const root = join(ctx.dataDir, "logs");
  convertSingleRegionLayout(root);
  const stores = new Map<string, LogStore>();
  const storeFor = (region: string) => {
    let store = stores.get(region);
    if (!store) {
      store = new LogStore(join(root, region));
      stores.set(region, store);
    }
    return store;
  };
  const arnsFor = (region: string): LogsArns => ({
    group: (name) => `arn:aws:logs:${region}:${ctx.accountId}:log-group:${String(name ?? "")}`,
  });

  ctx.logs = {
    putEvents(group, stream, events, region = ctx.region) {
      const store = storeFor(region);
      const logGroup = store.groups.get(group) ?? store.createGroup(group);
      const logStream = logGroup.streams.get(stream) ?? store.createStream(logGroup, stream);
      store.append(logGroup, logStream, events);
      ctx.debug(`logs: ${events.length} event(s) to ${region} ${group} ${stream}`);
    },
  };

  const dispatch = (req: EdgeRequest): unknown => {
    const name = req.target?.split(".")[1] ?? "";
    const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
    if (!operation) {
      throw new LogsError("UnknownOperationException", `The local cloud does not emulate Logs ${name}`);
    }
    if (!isRegion(req.region))
      throw new LogsError("InvalidSignatureException", invalidRegionMessage(req.region));
    const input = parseJsonBody<Input>(req.body);
    const arn = arnsFor(req.region);
    const decision = authorize(ctx, req, operation.iam(input, arn));
    if (!decision.allowed) throw new LogsError(jsonDenialCode(decision), decision.message);
    return operation.run(input, storeFor(req.region), arn);
  };

  return {
    name: "logs",
    async handle(req, res) {
      try {
        sendJson(res, 200, dispatch(req) ?? {}, CONTENT_TYPE);
      } catch (error) {
        if (error instanceof LogsError) return sendAwsJsonError(res, 400, error.code, error.message);
        if (error instanceof SyntaxError)
          return sendAwsJsonError(res, 400, "SerializationException", error.message);
        throw error;
      }
    },
  };
}
