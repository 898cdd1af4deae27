// The local cloud's CloudWatch (signing name "monitoring"): metrics in and statistics out, and metric
// alarms evaluated on their periods with history and SNS actions; persisted in `<dataDir>/cloudwatch/`.
// It speaks all three wires AWS serves it on: Smithy RPC v2 CBOR (newer CLIs), awsJson 1.0 (the SDK,
// awsQueryCompatible) and Query (older clients). `ctx.metrics` takes the metrics services publish
// themselves (Lambda's AWS/Lambda ones).
import { join } from "node:path";
import { isRpcV2CborRequest, rpcV2CborWire } from "../protocol/cbor.ts";
import { awsJsonWire } from "../protocol/json.ts";
import { dispatch, ServiceError } from "../protocol/operations.ts";
import { queryWire } from "../protocol/query.ts";
import type { CloudContext, EdgeRequest, Service } from "../types.ts";
import { alarmOperations } from "./alarm-operations.ts";
import { AlarmEvaluator, AlarmStore } from "./alarms.ts";
import { bucketMs, metricOperations } from "./metric-operations.ts";
import { MetricStore } from "./metrics.ts";

const cbor = rpcV2CborWire({ namespace: "com.amazonaws.cloudwatch", queryCompatible: true });
const json = awsJsonWire({ contentType: "application/x-amz-json-1.0", queryCompatible: true });
const query = queryWire("http://monitoring.amazonaws.com/doc/2010-08-01/");

function wireFor(req: EdgeRequest) {
  if (isRpcV2CborRequest(req)) return cbor;
  return req.target?.startsWith("GraniteServiceVersion20100801.") ? json : query;
}

export async function createCloudWatchService(ctx: CloudContext): Promise<Service> {
  const dir = join(ctx.dataDir, "cloudwatch");
  const metrics = await MetricStore.open(join(dir, "metrics"));
  const alarms = new AlarmStore(dir);
  const evaluator = new AlarmEvaluator(ctx, alarms, metrics);
  const operations = { ...metricOperations(ctx, metrics), ...alarmOperations(ctx, alarms, evaluator) };
  evaluator.start();

  ctx.metrics = {
    putMetric(datum) {
      const dimensions = Object.entries(datum.dimensions).map(([Name, Value]) => ({ Name, Value }));
      const set = { count: 1, sum: datum.value, min: datum.value, max: datum.value };
      const timestamp = datum.timestamp ?? Date.now();
      metrics
        .add([{ ...datum, dimensions, timestamp, set }], bucketMs(ctx))
        .catch((error: Error) =>
          ctx.debug(`cloudwatch: ${datum.namespace} ${datum.name} not stored: ${error.message}`),
        );
    },
  };

  return {
    name: "monitoring",
    handle: (req, res) =>
      dispatch(ctx, req, res, wireFor(req), operations, {
        unknownOperation: (name) =>
          new ServiceError(400, "InvalidAction", `Could not find operation ${name || "(none)"}`),
        accessDenied: (message) => new ServiceError(403, "AccessDenied", message),
      }),
    async close() {
      evaluator.stop();
      await metrics.close();
    },
  };
}
