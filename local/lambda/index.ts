// The local cloud's Lambda: the restJson API, the function store, execution environments in child
// processes, and `ctx.lambda` for the services that invoke functions (S3 notifications, API Gateway).
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { sendRestJsonError } from "../protocol/json.ts";
import type { CloudContext, Service } from "../types.ts";
import { LambdaApi } from "./api.ts";
import { EnvironmentPool } from "./environments.ts";
import { LambdaError } from "./errors.ts";
import { FunctionStore } from "./functions.ts";
import { assertActive, findFunction, Invoker } from "./invoke.ts";
import { isInvokeAllowed } from "./permissions.ts";

export interface LambdaServiceOptions {
  /** How long an idle environment stays warm before it is stopped. */
  idleMs?: number;
  /** Most environments (child processes) at once; default S3SIZE_LOCAL_MAX_ENVIRONMENTS or 4 per core, at least 8. */
  maxEnvironments?: number;
}

export function defaultMaxEnvironments(env: NodeJS.ProcessEnv = process.env): number {
  const configured = Number(env.S3SIZE_LOCAL_MAX_ENVIRONMENTS);
  if (Number.isInteger(configured) && configured > 0) return configured;
  return Math.max(8, availableParallelism() * 4);
}

export async function createLambdaService(
  ctx: CloudContext,
  options: LambdaServiceOptions = {},
): Promise<Service> {
  const store = new FunctionStore(join(ctx.dataDir, "lambda"));
  const pool = new EnvironmentPool({
    idleMs: options.idleMs ?? 180_000,
    maxEnvironments: options.maxEnvironments ?? defaultMaxEnvironments(),
    logs: () => ctx.logs,
    debug: (message) => ctx.debug(message),
  });
  const invoker = new Invoker(ctx, store, pool);
  const api = new LambdaApi(ctx, store, pool, invoker);

  ctx.lambda = {
    async invoke(nameOrArn, payload, { invocationType }) {
      const record = findFunction(store, nameOrArn);
      assertActive(record, ctx.realism);
      if (invocationType === "Event") {
        await invoker.enqueue(record, payload);
        return { statusCode: 202, payload: Buffer.alloc(0), executedVersion: "$LATEST" };
      }
      return invoker.invoke(record, payload);
    },
    functionExists(nameOrArn) {
      try {
        findFunction(store, nameOrArn);
        return true;
      } catch {
        return false;
      }
    },
    isInvokeAllowed(nameOrArn, caller) {
      try {
        return isInvokeAllowed(findFunction(store, nameOrArn).policy, caller);
      } catch {
        return false;
      }
    },
  };

  return {
    name: "lambda",
    async handle(req, res) {
      try {
        await api.handle(req, res);
      } catch (error) {
        if (!(error instanceof LambdaError)) throw error;
        sendRestJsonError(res, error.status, error.code, error.message);
      }
    },
    start: () => invoker.start(),
    async close() {
      await invoker.close();
      await pool.close();
    },
  };
}
