// The three functions: created from their zips or updated only where they differ (code by CodeSha256,
// configuration field by field), each time waited on until Active and the update Successful.
import { readFile } from "node:fs/promises";
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  type FunctionConfiguration,
  GetFunctionCommand,
  type GetFunctionCommandOutput,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  type LambdaClient,
  RemovePermissionCommand,
  type Runtime,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import type { PackagedFunction } from "../../build/package.ts";
import { FUNCTION_ENV } from "../../handlers/common/function-env.ts";
import { NOTIFY_ENV } from "../../handlers/tracking/notify.ts";
import { TRACKING_ENV } from "../../handlers/tracking/settings.ts";
import { FUNCTION_KEYS, type FunctionKey, STACK_TAG_KEY } from "../config.ts";
import { isNotFound, UserError } from "../errors.ts";
import { isConflict, isRolePropagationError, isThrottle, waitFor, withRetry } from "../retry.ts";
import {
  arns,
  change,
  hasStackTag,
  type ProvisionContext,
  read,
  readIfExists,
  stackTags,
} from "./context.ts";
import { webEnvironment } from "./web-function.ts";

export type { PackagedFunction } from "../../build/package.ts";

export interface DesiredConfiguration {
  Role: string;
  Handler: string;
  Runtime: Runtime;
  Timeout: number;
  MemorySize: number;
  /** Only the variables setup manages; others on the function are kept. */
  Environment: Record<string, string>;
}

/** The plotting function draws with Skia: it needs more memory than the others to be quick. */
export function desiredConfiguration(
  ctx: ProvisionContext,
  key: FunctionKey,
  handler: string,
): DesiredConfiguration {
  const { names, settings } = ctx;
  const base = { Role: arns(ctx).role(key), Handler: handler, Runtime: settings.runtime as Runtime };
  const table = { [FUNCTION_ENV.table]: names.table };
  switch (key) {
    case "size-tracking": {
      const tracking: Record<string, string> =
        settings.tracking === "incremental"
          ? { [TRACKING_ENV.mode]: "incremental", [TRACKING_ENV.indexTable]: names.indexTable }
          : { [TRACKING_ENV.mode]: "listing" };
      // Incremental mode's scheduled reconciliation lists every tracked bucket and walks its index in
      // one invocation: 5 minutes leaves room for buckets of a few hundred thousand objects.
      const timeout = settings.tracking === "incremental" ? 300 : 60;
      const notify = { [NOTIFY_ENV.topicArn]: arns(ctx).topic };
      return {
        ...base,
        Timeout: timeout,
        MemorySize: 256,
        Environment: { ...table, ...tracking, ...notify },
      };
    }
    case "plotting":
      return {
        ...base,
        Timeout: 29,
        MemorySize: 1024,
        Environment: {
          ...table,
          [FUNCTION_ENV.dataBucket]: names.dataBucket,
          [FUNCTION_ENV.plotBucket]: names.plotBucket,
        },
      };
    case "driver": {
      // Three sleeps, the bounded wait for the tracker, and the plotting call (API Gateway stops at 29 s).
      const timeout = Math.max(
        60,
        Math.ceil((3 * settings.driverSleepMs + settings.driverWaitMs) / 1000) + 40,
      );
      return {
        ...base,
        Timeout: Math.min(900, timeout),
        MemorySize: 256,
        Environment: {
          ...table,
          [FUNCTION_ENV.dataBucket]: names.dataBucket,
          [FUNCTION_ENV.driverSleepMs]: String(settings.driverSleepMs),
          [FUNCTION_ENV.driverWaitMs]: String(settings.driverWaitMs),
        },
      };
    }
    case "web":
      // Behind API Gateway, which gives up at 29 s; each request is a few reads.
      return { ...base, Timeout: 15, MemorySize: 256, Environment: webEnvironment(ctx) };
  }
}

/** The configuration fields that differ from what setup wants (empty when the function is as wanted). */
export function configurationDrift(current: FunctionConfiguration, wanted: DesiredConfiguration): string[] {
  const drift: string[] = [];
  for (const field of ["Role", "Handler", "Runtime", "Timeout", "MemorySize"] as const) {
    if (current[field] !== wanted[field]) drift.push(field);
  }
  const variables = current.Environment?.Variables ?? {};
  for (const [name, value] of Object.entries(wanted.Environment)) {
    if (variables[name] !== value) drift.push(name);
  }
  return drift;
}

export async function getFunction(
  lambda: LambdaClient,
  name: string,
): Promise<GetFunctionCommandOutput | undefined> {
  return readIfExists(() => lambda.send(new GetFunctionCommand({ FunctionName: name })));
}

/** Lambda answers these while a new role propagates or another update of the function runs. */
const LAMBDA_RETRY = {
  when: [isRolePropagationError, isThrottle, isConflict],
  attempts: 14,
  baseDelayMs: 250,
  maxDelayMs: 4000,
};

/**
 * The three functions side by side: each create or update is followed by a wait until the function is
 * Active (Lambda keeps a new function Pending for a while), and those waits need not add up. Each
 * reports into a context of its own, merged in the usual order so the report reads the same every run.
 */
export async function ensureFunctions(ctx: ProvisionContext): Promise<void> {
  const zips = await ctx.packageFunctions();
  const own = FUNCTION_KEYS.map(() => ({ ...ctx, changes: [] as string[], notes: [] as string[] }));
  const results = await Promise.allSettled(
    FUNCTION_KEYS.map((key, i) => {
      const zip = zips.find((z) => z.name === key);
      if (!zip) throw new Error(`packaging produced no zip for ${key}`);
      return ensureFunction(own[i]!, key, zip);
    }),
  );
  for (const sub of own) {
    ctx.changes.push(...sub.changes);
    ctx.notes.push(...sub.notes);
  }
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

async function ensureFunction(ctx: ProvisionContext, key: FunctionKey, zip: PackagedFunction): Promise<void> {
  const { lambda } = ctx.clients;
  const name = ctx.names.functions[key];
  const wanted = desiredConfiguration(ctx, key, zip.handler);
  const existing = await getFunction(lambda, name);
  if (!existing) {
    const ZipFile = await readFile(zip.zipPath);
    await change(ctx, `create function ${name}`, () =>
      withRetry(
        () =>
          lambda.send(
            new CreateFunctionCommand({
              FunctionName: name,
              ...wanted,
              Environment: { Variables: wanted.Environment },
              Code: { ZipFile },
              Architectures: [zip.arch],
              PackageType: "Zip",
              Description: `s3size ${key} (stack ${ctx.names.stack})`,
              Tags: stackTags(ctx.names),
            }),
          ),
        LAMBDA_RETRY,
      ),
    );
    if (!ctx.dryRun) await waitUntilReady(lambda, name);
    return;
  }
  if (!hasStackTag(existing.Tags, ctx.names.stack)) {
    throw new UserError(
      `function ${name} exists but is not part of stack ${ctx.names.stack} (no tag ${STACK_TAG_KEY}=${ctx.names.stack})`,
      "choose another prefix with S3SIZE_FUNCTION_PREFIX or another stack name with S3SIZE_STACK",
    );
  }
  let current = existing.Configuration ?? {};
  if (current.State !== "Active" || current.LastUpdateStatus === "InProgress")
    current = await waitUntilReady(lambda, name);
  const codeDiffers = current.CodeSha256 !== zip.codeSha256 || current.Architectures?.[0] !== zip.arch;
  if (codeDiffers) {
    const ZipFile = await readFile(zip.zipPath);
    await change(ctx, `update code of ${name}`, () =>
      withRetry(
        () =>
          lambda.send(
            new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile, Architectures: [zip.arch] }),
          ),
        LAMBDA_RETRY,
      ),
    );
    if (!ctx.dryRun) current = await waitUntilReady(lambda, name);
  }
  const drift = configurationDrift(current, wanted);
  if (drift.length > 0) {
    await change(ctx, `update ${drift.join(", ")} of ${name}`, () =>
      withRetry(
        () =>
          lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: name,
              ...wanted,
              Environment: { Variables: { ...current.Environment?.Variables, ...wanted.Environment } },
            }),
          ),
        LAMBDA_RETRY,
      ),
    );
    if (!ctx.dryRun) await waitUntilReady(lambda, name);
  }
}

/** Waits for `State: Active` and `LastUpdateStatus: Successful`; a Failed function is a clear error. */
export function waitUntilReady(lambda: LambdaClient, name: string): Promise<FunctionConfiguration> {
  return waitFor(
    async () => {
      const config = await read(() =>
        lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name })),
      );
      if (config.State === "Failed" || config.LastUpdateStatus === "Failed") {
        throw new UserError(
          `function ${name} failed to deploy: ${config.StateReason ?? config.LastUpdateStatusReason ?? "no reason given"}`,
          "fix the cause and run s3size setup again",
        );
      }
      const updated = config.LastUpdateStatus === undefined || config.LastUpdateStatus === "Successful";
      return config.State === "Active" && updated ? config : undefined;
    },
    { timeoutMs: 300_000, what: `function ${name} to become Active` },
  );
}

export async function destroyFunctions(ctx: ProvisionContext): Promise<void> {
  const { lambda } = ctx.clients;
  for (const key of [...FUNCTION_KEYS].reverse()) {
    const name = ctx.names.functions[key];
    const existing = await getFunction(lambda, name);
    if (!existing) continue;
    if (!hasStackTag(existing.Tags, ctx.names.stack)) {
      ctx.notes.push(`left function ${name}: it does not carry the tag ${STACK_TAG_KEY}=${ctx.names.stack}`);
      continue;
    }
    try {
      await change(ctx, `delete function ${name}`, () =>
        withRetry(() => lambda.send(new DeleteFunctionCommand({ FunctionName: name })), LAMBDA_RETRY),
      );
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

export interface InvokePermission {
  statementId: string;
  principal: string;
  sourceArn: string;
  sourceAccount?: string;
  /** What the permission is for, in the report ("for GET /plot"). */
  purpose?: string;
}

interface PolicyStatementShape {
  Sid?: string;
  Principal?: { Service?: string } | string;
  Condition?: { ArnLike?: Record<string, string>; StringEquals?: Record<string, string> };
}

async function permissionStatement(
  lambda: LambdaClient,
  name: string,
  sid: string,
): Promise<PolicyStatementShape | undefined> {
  const found = await readIfExists(() => lambda.send(new GetPolicyCommand({ FunctionName: name })));
  const statements =
    (JSON.parse(found?.Policy ?? "{}") as { Statement?: PolicyStatementShape[] }).Statement ?? [];
  return statements.find((statement) => statement.Sid === sid);
}

/** Lets a service invoke a function, scoped to a source ARN (and account); replaces a statement that differs. */
export async function ensureInvokePermission(
  ctx: ProvisionContext,
  key: FunctionKey,
  wanted: InvokePermission,
): Promise<void> {
  const { lambda } = ctx.clients;
  const name = ctx.names.functions[key];
  const current = await permissionStatement(lambda, name, wanted.statementId);
  const principal = typeof current?.Principal === "string" ? current.Principal : current?.Principal?.Service;
  const same =
    current &&
    principal === wanted.principal &&
    current.Condition?.ArnLike?.["AWS:SourceArn"] === wanted.sourceArn &&
    current.Condition?.StringEquals?.["AWS:SourceAccount"] === wanted.sourceAccount;
  if (same) return;
  if (current) await removeInvokePermission(ctx, key, wanted.statementId);
  await change(
    ctx,
    `let ${wanted.principal} invoke ${name}${wanted.purpose ? ` ${wanted.purpose}` : ""}`,
    () =>
      withRetry(
        () =>
          lambda.send(
            new AddPermissionCommand({
              FunctionName: name,
              StatementId: wanted.statementId,
              Action: "lambda:InvokeFunction",
              Principal: wanted.principal,
              SourceArn: wanted.sourceArn,
              ...(wanted.sourceAccount ? { SourceAccount: wanted.sourceAccount } : {}),
            }),
          ),
        LAMBDA_RETRY,
      ),
  );
}

export async function removeInvokePermission(
  ctx: ProvisionContext,
  key: FunctionKey,
  statementId: string,
): Promise<void> {
  const { lambda } = ctx.clients;
  const name = ctx.names.functions[key];
  if (!(await permissionStatement(lambda, name, statementId))) return;
  try {
    await change(ctx, `remove permission ${statementId} of ${name}`, () =>
      withRetry(
        () => lambda.send(new RemovePermissionCommand({ FunctionName: name, StatementId: statementId })),
        LAMBDA_RETRY,
      ),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
