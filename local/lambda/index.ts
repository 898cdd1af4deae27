// The local cloud's Lambda: the restJson API, the function store, execution environments in child
// processes, and `ctx.lambda` for the services that invoke functions (S3 notifications, API Gateway).
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import { sendRestJsonError } from "../protocol/json.ts";
import type { CloudContext, Service } from "../types.ts";
import { LambdaApi } from "./api.ts";
import { EnvironmentPool } from "./environments.ts";
import { LambdaError } from "./errors.ts";
import { FunctionStore } from "./functions.ts";
import { Invoker } from "./invoke.ts";
import { assertActive, findForService } from "./lookup.ts";
import { isInvokeAllowed } from "./permissions.ts";
import { runtimeModulesPath } from "./runtime-modules.ts";

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
  const root = join(ctx.dataDir, "lambda");
  const store = new FunctionStore(root);
  const runtimeDir = join(root, "runtime");
  store.code.linkRuntimeModules(runtimeModulesPath(runtimeDir));
  const pool = new EnvironmentPool({
    idleMs: options.idleMs ?? 180_000,
    maxEnvironments: options.maxEnvironments ?? defaultMaxEnvironments(),
    runtimeDir,
    confineImports: store.code.importsCouldClimbOut(),
    verifyCode: async (codeDir) => {
      await store.code.verified(basename(codeDir));
    },
    logs: () => ctx.logs,
    iam: () => ctx.iam,
    debug: (message) => ctx.debug(message),
  });
  const invoker = new Invoker(ctx, store, pool);
  const api = new LambdaApi({ ctx, store, pool, invoker });
  const find = (nameOrArn: string, region = ctx.region) => findForService(store, nameOrArn, region);

  ctx.lambda = {
    async invoke(nameOrArn, payload, { invocationType, caller }) {
      const record = find(nameOrArn, caller?.region);
      if (invocationType === "Event") {
        // Written to the durable queue now, so the service's answer can be sent; a function still
        // Pending is waited for there (as S3 would keep retrying), not in this call.
        await invoker.enqueue(record, payload);
        return { statusCode: 202, payload: Buffer.alloc(0), executedVersion: "$LATEST" };
      }
      assertActive(record, ctx.realism);
      return invoker.invoke(record, payload);
    },
    functionExists(nameOrArn, region) {
      try {
        find(nameOrArn, region);
        return true;
      } catch {
        return false;
      }
    },
    isInvokeAllowed(nameOrArn, caller) {
      try {
        return isInvokeAllowed(find(nameOrArn, caller.region).policy, caller);
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
