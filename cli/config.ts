// Names and settings of a stack: flags > environment (S3SIZE_*, AWS_*) > .env > defaults, all validated
// before the first AWS call so bad input changes nothing.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { DEFAULT_TABLE_NAME } from "../handlers/common/history.ts";
import {
  DEFAULT_INDEX_TABLE_NAME,
  TRACKING_MODES,
  type TrackingMode,
} from "../handlers/tracking/settings.ts";
import { parseSchedule } from "../local/events/schedule.ts";
import { type AwsProfile, resolveRegion, type Sourced } from "./aws-config.ts";
import { validateBucketName, validateMessagingNames, validateNames } from "./aws-names.ts";
import { UserError } from "./errors.ts";
import { parseWholeNumber } from "./flag-values.ts";

export const FUNCTION_KEYS = ["size-tracking", "plotting", "driver", "web"] as const;
export type FunctionKey = (typeof FUNCTION_KEYS)[number];
export type Arch = "arm64" | "x86_64";
/** What invokes the tracker: the buckets' own notifications, or an EventBridge rule on their events. */
export const TRIGGERS = ["notification", "eventbridge"] as const;
export type Trigger = (typeof TRIGGERS)[number];

/** Options every AWS-facing command takes (commander's camel-cased names), plus a flag per setting. */
export interface GlobalOptions extends Partial<Record<Exclude<SettingKey, "versioning">, string>> {
  /** `--versioning` is a switch (true); S3SIZE_VERSIONING is on/off. */
  versioning?: string | boolean;
  local?: boolean;
  endpointUrl?: string;
  region?: string;
  profile?: string;
  stateDir?: string;
  json?: boolean;
  yes?: boolean;
  verbose?: boolean;
}

export interface Settings {
  stack: string;
  region: string;
  /** Where the region came from: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile, or the default. */
  regionSource: string;
  /** The profile named by --profile or AWS_PROFILE (undefined: the credential chain's default). */
  profile?: string;
  /** An explicit AWS-compatible endpoint; with `local` the endpoint is found or started later. */
  endpoint?: string;
  local: boolean;
  stateDir: string;
  /** Explicit names; undefined means the account/region-derived default. */
  dataBucket?: string;
  plotBucket?: string;
  table: string;
  functionPrefix: string;
  apiName: string;
  stage: string;
  runtime: string;
  arch: Arch;
  logRetentionDays: number;
  driverSleepMs: number;
  driverWaitMs: number;
  apiRateLimit: number;
  apiBurstLimit: number;
  /** How the tracker counts: a listing per event, or an index kept in DynamoDB. */
  tracking: TrackingMode;
  /** Incremental mode's per-object index table. */
  indexTable: string;
  /** When EventBridge runs the reconciliation in incremental mode (a rate or cron expression). */
  reconcileSchedule: string;
  /** Versioning on for the data bucket (then every version's bytes count). */
  versioning: boolean;
  topicName: string;
  failureQueue: string;
  /** An address to subscribe to the topic; undefined keeps the one state.json records, "" removes it. */
  notifyEmail?: string;
  trackerRetries: number;
  trackerMaxEventAgeSeconds: number;
  /** The trigger asked for; undefined keeps the stack's current one (state.json), else notification. */
  trigger?: Trigger;
}

/** Every setting with its environment name and default: the source of `.env.example` and the README. */
export const SETTINGS_ENV = {
  stack: ["S3SIZE_STACK", "s3size"],
  dataBucket: ["S3SIZE_DATA_BUCKET", ""],
  plotBucket: ["S3SIZE_PLOT_BUCKET", ""],
  table: ["S3SIZE_TABLE", DEFAULT_TABLE_NAME],
  functionPrefix: ["S3SIZE_FUNCTION_PREFIX", "s3size"],
  apiName: ["S3SIZE_API_NAME", "s3size-api"],
  stage: ["S3SIZE_STAGE", "demo"],
  runtime: ["S3SIZE_RUNTIME", "nodejs22.x"],
  arch: ["S3SIZE_ARCH", "arm64"],
  logRetentionDays: ["S3SIZE_LOG_RETENTION_DAYS", "7"],
  driverSleepMs: ["S3SIZE_DRIVER_SLEEP_MS", "2000"],
  driverWaitMs: ["S3SIZE_DRIVER_WAIT_MS", "30000"],
  apiRateLimit: ["S3SIZE_API_RATE_LIMIT", "10"],
  apiBurstLimit: ["S3SIZE_API_BURST_LIMIT", "20"],
  stateDir: ["S3SIZE_STATE_DIR", ".s3size"],
  tracking: ["S3SIZE_TRACKING", "listing"],
  indexTable: ["S3SIZE_INDEX_TABLE", DEFAULT_INDEX_TABLE_NAME],
  reconcileSchedule: ["S3SIZE_RECONCILE_SCHEDULE", "rate(1 day)"],
  versioning: ["S3SIZE_VERSIONING", "off"],
  topicName: ["S3SIZE_TOPIC_NAME", "s3size-events"],
  failureQueue: ["S3SIZE_FAILURE_QUEUE", "s3size-failures"],
  notifyEmail: ["S3SIZE_NOTIFY_EMAIL", ""],
  trackerRetries: ["S3SIZE_TRACKER_RETRIES", "2"],
  trackerMaxEventAgeSeconds: ["S3SIZE_TRACKER_MAX_EVENT_AGE_SECONDS", "21600"],
  trigger: ["S3SIZE_TRIGGER", ""],
} as const;

export type SettingKey = keyof typeof SETTINGS_ENV;

/** How the settings whose default is empty are derived, for help texts. */
export const DERIVED_DEFAULTS: Partial<Record<SettingKey, string>> = {
  dataBucket: "testbucket-<account>-<region>",
  plotBucket: "<data bucket>-plots",
  notifyEmail: "the address an earlier setup subscribed, else none",
  trigger: "the stack's current one, else notification; choices: notification, eventbridge",
};

/** The command-line flag of a setting: dataBucket → --data-bucket (commander maps it back). */
export function settingFlag(key: SettingKey): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** Fills `env` with the `.env` file of `cwd` without overriding what the environment already has. */
export function loadDotEnv(env: NodeJS.ProcessEnv, cwd: string): void {
  const path = join(cwd, ".env");
  if (!existsSync(path)) return;
  if (env === process.env) {
    process.loadEnvFile(path);
    return;
  }
  for (const [key, value] of Object.entries(parseEnv(readFileSync(path, "utf8")))) {
    if (env[key] === undefined) env[key] = value;
  }
}

/** `profile` is the loaded AWS profile (whose region counts after the flags and environment). */
export function resolveSettings(
  flags: GlobalOptions,
  env: NodeJS.ProcessEnv,
  cwd: string,
  profile?: AwsProfile,
): Settings {
  // A flag is taken as given (an empty --api-name "" is refused, not defaulted); an empty variable,
  // as .env files have, means the default.
  const pick = (key: SettingKey): string => {
    const [name, fallback] = SETTINGS_ENV[key];
    const flag = flags[key];
    if (flag !== undefined) return flag === true ? "on" : String(flag);
    const value = env[name];
    return value === undefined || value === "" ? fallback : value;
  };
  const local = Boolean(flags.local) || ["1", "true", "yes"].includes((env.S3SIZE_LOCAL ?? "").toLowerCase());
  const region: Sourced = resolveRegion(flags, env, profile);
  const trigger = pick("trigger");
  const settings: Settings = {
    stack: pick("stack"),
    region: region.value,
    regionSource: region.source,
    profile: flags.profile ?? (env.AWS_PROFILE || undefined),
    endpoint: local ? undefined : flags.endpointUrl,
    local,
    stateDir: resolve(cwd, pick("stateDir")),
    dataBucket: pick("dataBucket") || undefined,
    plotBucket: pick("plotBucket") || undefined,
    table: pick("table"),
    functionPrefix: pick("functionPrefix"),
    apiName: pick("apiName"),
    stage: pick("stage"),
    runtime: pick("runtime"),
    arch: pick("arch") as Arch,
    logRetentionDays: integerSetting("logRetentionDays", pick("logRetentionDays"), 1, 3653),
    driverSleepMs: integerSetting("driverSleepMs", pick("driverSleepMs"), 0, 60_000),
    driverWaitMs: integerSetting("driverWaitMs", pick("driverWaitMs"), 0, 600_000),
    apiRateLimit: integerSetting("apiRateLimit", pick("apiRateLimit"), 1, 10_000),
    apiBurstLimit: integerSetting("apiBurstLimit", pick("apiBurstLimit"), 1, 5_000),
    tracking: pick("tracking") as TrackingMode,
    indexTable: pick("indexTable"),
    reconcileSchedule: pick("reconcileSchedule"),
    versioning: switchSetting("versioning", pick("versioning")),
    topicName: pick("topicName"),
    failureQueue: pick("failureQueue"),
    notifyEmail: flags.notifyEmail ?? (env[SETTINGS_ENV.notifyEmail[0]] || undefined),
    // Lambda's own limits for asynchronous invocations: 0–2 retries, 60 s to 6 hours of age.
    trackerRetries: integerSetting("trackerRetries", pick("trackerRetries"), 0, 2),
    trackerMaxEventAgeSeconds: integerSetting(
      "trackerMaxEventAgeSeconds",
      pick("trackerMaxEventAgeSeconds"),
      60,
      21_600,
    ),
    ...(trigger ? { trigger: trigger as Trigger } : {}),
  };
  validateSettings(settings);
  return settings;
}

function integerSetting(key: SettingKey, raw: string, min: number, max: number): number {
  return parseWholeNumber(
    raw,
    `${settingFlag(key)} (${SETTINGS_ENV[key][0]})`,
    { min, max },
    "fix the flag, the environment or .env",
  );
}

function switchSetting(key: SettingKey, raw: string): boolean {
  const value = raw.toLowerCase();
  if (["on", "true", "1", "yes"].includes(value)) return true;
  if (["off", "false", "0", "no"].includes(value)) return false;
  throw new UserError(
    `${SETTINGS_ENV[key][0]} must be on or off, got "${raw}"`,
    "fix the environment or .env (the flag is a switch: --versioning)",
  );
}

const REGION_PATTERN =
  /^(af|ap|ca|cn|eu|il|me|mx|sa|us|us-gov|us-iso|us-isob)-(central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}$/;
const CLS_LOG_RETENTION = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
/** Lambda's Node.js runtimes the bundles (built for Node 20) run on. */
const NODE_RUNTIMES = ["nodejs20.x", "nodejs22.x", "nodejs24.x"];

export function validateSettings(s: Settings): void {
  if (!REGION_PATTERN.test(s.region)) {
    throw new UserError(
      `unknown region "${s.region}" (from ${s.regionSource})`,
      "use a region code such as us-east-1 or eu-west-1 (--region, AWS_REGION or the profile's region)",
    );
  }
  if (s.dataBucket) validateBucketName(s.dataBucket, "S3SIZE_DATA_BUCKET");
  if (s.plotBucket) validateBucketName(s.plotBucket, "S3SIZE_PLOT_BUCKET");
  if (s.dataBucket && !s.plotBucket)
    validateBucketName(`${s.dataBucket}-plots`, "the plot bucket (data bucket + -plots)");
  validateNames(s);
  validateMessagingNames(s);
  if (!NODE_RUNTIMES.includes(s.runtime)) {
    throw new UserError(
      `unsupported runtime "${s.runtime}"`,
      `the functions are Node.js: use ${NODE_RUNTIMES.join(", ")} (--runtime or S3SIZE_RUNTIME)`,
    );
  }
  if (s.arch !== "arm64" && s.arch !== "x86_64") {
    throw new UserError(`unsupported architecture "${s.arch}"`, "--arch (S3SIZE_ARCH) is arm64 or x86_64");
  }
  if (s.trigger !== undefined && !TRIGGERS.includes(s.trigger)) {
    throw new UserError(
      `unknown trigger "${s.trigger}"`,
      `--trigger (S3SIZE_TRIGGER) is ${TRIGGERS.join(" or ")}`,
    );
  }
  if (!CLS_LOG_RETENTION.includes(s.logRetentionDays)) {
    throw new UserError(
      `log retention of ${s.logRetentionDays} days is not one CloudWatch Logs offers`,
      `use one of ${CLS_LOG_RETENTION.join(", ")}`,
    );
  }
  if (s.endpoint !== undefined) validateEndpointUrl(s.endpoint, "--endpoint-url");
  if (!TRACKING_MODES.includes(s.tracking)) {
    throw new UserError(
      `unknown tracking mode "${s.tracking}"`,
      `--tracking (S3SIZE_TRACKING) is ${TRACKING_MODES.join(" or ")}`,
    );
  }
  if (!parseSchedule(s.reconcileSchedule)) {
    throw new UserError(
      `"${s.reconcileSchedule}" is not a schedule EventBridge accepts`,
      "--reconcile-schedule (S3SIZE_RECONCILE_SCHEDULE) is e.g. rate(1 day), rate(6 hours) or cron(0 3 * * ? *)",
    );
  }
}

export function validateEndpointUrl(url: string, source: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !["http:", "https:"].includes(parsed.protocol) || !parsed.hostname) {
    throw new UserError(`invalid endpoint URL "${url}" (${source})`, "use e.g. http://127.0.0.1:4566");
  }
}

/** The concrete names of one stack, once the account is known. */
export interface StackNames {
  stack: string;
  dataBucket: string;
  plotBucket: string;
  table: string;
  /** Incremental mode's index table (created only in that mode). */
  indexTable: string;
  /** The EventBridge rule that runs the reconciliation in incremental mode. */
  reconcileRule: string;
  functions: Record<FunctionKey, string>;
  roles: Record<FunctionKey, string>;
  logGroups: Record<FunctionKey, string>;
  api: string;
  stage: string;
  topic: string;
  failureQueue: string;
  /** The CloudWatch alarm on the tracker's Errors. */
  errorsAlarm: string;
}

export const STACK_TAG_KEY = "s3size:stack";

export function stackNames(s: Settings, account: string): StackNames {
  const dataBucket = s.dataBucket ?? `testbucket-${account}-${s.region}`;
  const plotBucket = s.plotBucket ?? `${dataBucket}-plots`;
  validateBucketName(dataBucket, "data bucket");
  validateBucketName(plotBucket, "plot bucket");
  const per = (make: (key: FunctionKey) => string) =>
    Object.fromEntries(FUNCTION_KEYS.map((key) => [key, make(key)])) as Record<FunctionKey, string>;
  const functions = per((key) => `${s.functionPrefix}-${key}`);
  return {
    stack: s.stack,
    dataBucket,
    plotBucket,
    table: s.table,
    indexTable: s.indexTable,
    reconcileRule: `${s.functionPrefix}-reconcile`,
    functions,
    roles: per((key) => `${functions[key]}-role`),
    logGroups: per((key) => `/aws/lambda/${functions[key]}`),
    api: s.apiName,
    stage: s.stage,
    topic: s.topicName,
    failureQueue: s.failureQueue,
    errorsAlarm: `${functions["size-tracking"]}-errors`,
  };
}
