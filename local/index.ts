// Starts and stops the local cloud: every emulated service behind one loopback port, state in one folder.
// Services start in dependency order and stop in the reverse order, as Architect's sandbox does.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ensureAdminToken, readAdminTokenFrom } from "./admin.ts";
import { createApiGatewayService } from "./apigateway/index.ts";
import { parseIamMode } from "./authorization.ts";
import { createCloudWatchService } from "./cloudwatch/index.ts";
import { createDynamoDbService } from "./dynamodb/index.ts";
import { createEdge } from "./edge.ts";
import { createEventsService } from "./events/index.ts";
import { createIamService } from "./iam/index.ts";
import { createLambdaService } from "./lambda/index.ts";
import { acquireStateLock, type StateLock } from "./lock.ts";
import { createLogsService } from "./logs.ts";
import { createS3Service } from "./s3/index.ts";
import { createSnsService } from "./sns/index.ts";
import { createSqsService } from "./sqs/index.ts";
import { JsonFile } from "./state.ts";
import { createStsService } from "./sts.ts";
import {
  type CloudContext,
  DEFAULT_REALISM,
  LOCAL_ACCOUNT_ID,
  type RealismSettings,
  type Service,
} from "./types.ts";

export interface LocalCloudOptions {
  /** The CLI's state dir; the cloud keeps its data in `<stateDir>/local/`. */
  stateDir: string;
  /** 0 (the default) lets the OS pick a free port. */
  port?: number;
  host?: string;
  region?: string;
  realism?: Partial<RealismSettings>;
  verbose?: boolean;
}

export interface LocalCloud {
  endpoint: string;
  host: string;
  port: number;
  dataDir: string;
  realism: RealismSettings;
  stop(): Promise<void>;
}

interface EndpointRecord {
  endpoint: string;
  pid: number;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function localDataDir(stateDir: string): string {
  return join(stateDir, "local");
}

/** Reads the realism switches from the environment (S3SIZE_LOCAL_IAM_DELAY_MS and friends). */
export function realismFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<RealismSettings> {
  const settings: Partial<RealismSettings> = {};
  const read = (name: string, key: Exclude<keyof RealismSettings, "iam">) => {
    const value = env[name];
    if (value !== undefined && value !== "") settings[key] = Number(value);
  };
  read("S3SIZE_LOCAL_IAM_DELAY_MS", "iamPropagationMs");
  read("S3SIZE_LOCAL_FUNCTION_PENDING_MS", "functionPendingMs");
  read("S3SIZE_LOCAL_FUNCTION_UPDATE_MS", "functionUpdateMs");
  read("S3SIZE_LOCAL_THROTTLE_EVERY_N", "throttleEveryN");
  read("S3SIZE_LOCAL_ASYNC_RETRY_DELAY_MS", "asyncRetryDelayMs");
  read("S3SIZE_LOCAL_EVENT_DUPLICATES", "eventDuplicates");
  read("S3SIZE_LOCAL_EVENT_REORDER_MS", "eventReorderMs");
  read("S3SIZE_LOCAL_INDEX_BACKFILL_MS", "indexBackfillMs");
  if (env.S3SIZE_LOCAL_IAM) settings.iam = parseIamMode(env.S3SIZE_LOCAL_IAM);
  read("S3SIZE_LOCAL_ALARM_EVAL_MS", "alarmMinuteMs");
  read("S3SIZE_LOCAL_SCHEDULE_MINUTE_MS", "scheduleMinuteMs");
  read("S3SIZE_LOCAL_QUEUE_REUSE_MS", "queueNameReuseMs");
  return settings;
}

export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.test(host)) throw new Error(`the local cloud listens on loopback only, not on ${host}`);
  const dataDir = localDataDir(options.stateDir);
  mkdirSync(dataDir, { recursive: true });
  const lock = acquireStateLock(dataDir);
  let adminToken: string;
  try {
    adminToken = ensureAdminToken(dataDir);
  } catch (error) {
    lock.release();
    throw error;
  }

  const ctx: CloudContext = {
    region: options.region ?? "us-east-1",
    accountId: LOCAL_ACCOUNT_ID,
    dataDir,
    host,
    endpoint: "",
    realism: { ...DEFAULT_REALISM, ...realismFromEnv(), ...options.realism },
    debug: options.verbose ? (message) => console.error(`[local] ${message}`) : () => {},
  };

  const started: Service[] = [];
  try {
    // Order matters: Lambda asks IAM about roles and writes to Logs; S3 and API Gateway invoke Lambda.
    for (const create of [createIamService, createStsService, createLogsService, createDynamoDbService]) {
      started.push(await create(ctx));
    }
    // Messaging before its producers: SNS delivers to SQS; EventBridge and CloudWatch to both; Lambda
    // (destinations, metrics) and S3 (notifications) to all of them.
    for (const create of [createSqsService, createSnsService, createEventsService, createCloudWatchService]) {
      started.push(await create(ctx));
    }
    started.push(await createLambdaService(ctx));
    started.push(await createS3Service(ctx));
    const apigateway = await createApiGatewayService(ctx);
    started.push(apigateway);

    const services = new Map(started.map((service) => [service.name, service]));
    const server = createEdge(ctx, { services, apigateway, adminToken });
    const port = await listen(server, options.port ?? 0, host);
    ctx.endpoint = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    try {
      for (const service of started) await service.start?.();
    } catch (error) {
      await closeServer(server);
      throw error;
    }
    const endpointFile = new JsonFile<EndpointRecord | undefined>(
      join(dataDir, "endpoint.json"),
      () => undefined,
    );
    endpointFile.save({ endpoint: ctx.endpoint, pid: process.pid });

    let stopped = false;
    return {
      endpoint: ctx.endpoint,
      host,
      port,
      dataDir,
      realism: ctx.realism,
      async stop() {
        if (stopped) return;
        stopped = true;
        await closeServer(server);
        await stopServices(started);
        rmSync(endpointFile.path, { force: true });
        lock.release();
      },
    };
  } catch (error) {
    await stopServices(started);
    lock.release();
    throw error;
  }
}

/**
 * The admin token of the local cloud of a state dir (created at its first start): the CLI and tests send
 * it in the `x-s3size-admin-token` header to change realism settings through `POST /_s3size/realism`.
 */
export function readAdminToken(stateDir: string): string {
  return readAdminTokenFrom(localDataDir(stateDir));
}

/** The cloud a `s3size local` process is running for this state dir, if one answers. */
export async function findRunningLocalCloud(stateDir: string): Promise<{ endpoint: string } | undefined> {
  let record: EndpointRecord | undefined;
  try {
    record = JSON.parse(
      readFileSync(join(localDataDir(stateDir), "endpoint.json"), "utf8"),
    ) as EndpointRecord;
  } catch {
    return undefined;
  }
  if (!record || record.pid === process.pid) return undefined;
  try {
    const response = await fetch(`${record.endpoint}/_s3size/health`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? { endpoint: record.endpoint } : undefined;
  } catch {
    return undefined;
  }
}

async function stopServices(services: Service[]): Promise<void> {
  for (const service of [...services].reverse()) await service.close?.();
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export { ADMIN_TOKEN_HEADER } from "./admin.ts";
export { StateDirInUseError } from "./lock.ts";
export { LocalStateError } from "./state.ts";
export type { StateLock };
