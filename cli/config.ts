// Names and settings of a stack: flags > environment (S3SIZE_*, AWS_*) > .env > defaults, all validated
// before the first AWS call so bad input changes nothing.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseEnv } from "node:util";
import { DEFAULT_TABLE_NAME } from "../handlers/common/history.ts";
import { UserError } from "./errors.ts";

export const FUNCTION_KEYS = ["size-tracking", "plotting", "driver"] as const;
export type FunctionKey = (typeof FUNCTION_KEYS)[number];
export type Arch = "arm64" | "x86_64";

/** Options every AWS-facing command takes (commander's camel-cased names), plus a flag per setting. */
export interface GlobalOptions extends Partial<Record<SettingKey, string>> {
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
} as const;

export type SettingKey = keyof typeof SETTINGS_ENV;

/** How the settings whose default is empty are derived, for help texts. */
export const DERIVED_DEFAULTS: Partial<Record<SettingKey, string>> = {
  dataBucket: "testbucket-<account>-<region>",
  plotBucket: "<data bucket>-plots",
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

export function resolveSettings(flags: GlobalOptions, env: NodeJS.ProcessEnv, cwd: string): Settings {
  const pick = (key: SettingKey): string => {
    const [name, fallback] = SETTINGS_ENV[key];
    const value = flags[key] ?? env[name];
    return value === undefined || value === "" ? fallback : value;
  };
  const endpoint = flags.endpointUrl ?? (env.AWS_ENDPOINT_URL || undefined);
  const local = Boolean(flags.local) || ["1", "true", "yes"].includes((env.S3SIZE_LOCAL ?? "").toLowerCase());
  const settings: Settings = {
    stack: pick("stack"),
    region: flags.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1"),
    profile: flags.profile ?? (env.AWS_PROFILE || undefined),
    endpoint: local ? undefined : endpoint,
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
  };
  validateSettings(settings);
  return settings;
}

function integerSetting(key: SettingKey, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UserError(
      `${settingFlag(key)} (${SETTINGS_ENV[key][0]}) must be a whole number from ${min} to ${max}, got "${raw}"`,
      "fix the flag, the environment or .env",
    );
  }
  return value;
}

const REGION_PATTERN =
  /^(af|ap|ca|cn|eu|il|me|mx|sa|us|us-gov|us-iso|us-isob)-(central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2}$/;
const CLS_LOG_RETENTION = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export function validateSettings(s: Settings): void {
  if (!REGION_PATTERN.test(s.region)) {
    throw new UserError(
      `unknown region "${s.region}"`,
      "use a region code such as us-east-1 or eu-west-1 (--region or AWS_REGION)",
    );
  }
  if (s.dataBucket) validateBucketName(s.dataBucket, "S3SIZE_DATA_BUCKET");
  if (s.plotBucket) validateBucketName(s.plotBucket, "S3SIZE_PLOT_BUCKET");
  if (s.dataBucket && !s.plotBucket)
    validateBucketName(`${s.dataBucket}-plots`, "the plot bucket (data bucket + -plots)");
  if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(s.table)) {
    throw new UserError(`invalid table name "${s.table}"`, "3 to 255 letters, digits, '_', '-' or '.'");
  }
  if (!/^[a-zA-Z0-9-]{1,40}$/.test(s.functionPrefix)) {
    throw new UserError(`invalid function prefix "${s.functionPrefix}"`, "1 to 40 letters, digits or '-'");
  }
  if (!/^[a-zA-Z0-9_.:/=+@-]{1,128}$/.test(s.stack)) {
    throw new UserError(`invalid stack name "${s.stack}"`, "1 to 128 characters usable in a tag value");
  }
  if (!/^[a-zA-Z0-9_]{1,128}$/.test(s.stage)) {
    throw new UserError(`invalid stage name "${s.stage}"`, "letters, digits and '_' only");
  }
  if (!/^nodejs\d{2}\.x$/.test(s.runtime)) {
    throw new UserError(
      `unsupported runtime "${s.runtime}"`,
      "the functions are Node.js: use e.g. nodejs22.x or nodejs20.x",
    );
  }
  if (s.arch !== "arm64" && s.arch !== "x86_64") {
    throw new UserError(`unsupported architecture "${s.arch}"`, "--arch (S3SIZE_ARCH) is arm64 or x86_64");
  }
  if (!CLS_LOG_RETENTION.includes(s.logRetentionDays)) {
    throw new UserError(
      `log retention of ${s.logRetentionDays} days is not one CloudWatch Logs offers`,
      `use one of ${CLS_LOG_RETENTION.join(", ")}`,
    );
  }
  if (s.endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(s.endpoint)) {
    throw new UserError(`invalid endpoint URL "${s.endpoint}"`, "use e.g. http://127.0.0.1:4566");
  }
}

export function validateBucketName(name: string, what: string): void {
  const problem =
    name.length < 3 || name.length > 63
      ? "it must be 3 to 63 characters long"
      : !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)
        ? "only lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"
        : name.includes("..")
          ? "it must not contain '..'"
          : /^\d+\.\d+\.\d+\.\d+$/.test(name)
            ? "it must not look like an IP address"
            : name.startsWith("xn--") || name.endsWith("-s3alias") || name.endsWith("--ol-s3")
              ? "that prefix or suffix is reserved by S3"
              : undefined;
  if (problem)
    throw new UserError(
      `invalid bucket name "${name}" (${what}): ${problem}`,
      "S3 bucket names are lowercase and global, e.g. testbucket-123456789012-us-east-1",
    );
}

/** The concrete names of one stack, once the account is known. */
export interface StackNames {
  stack: string;
  dataBucket: string;
  plotBucket: string;
  table: string;
  functions: Record<FunctionKey, string>;
  roles: Record<FunctionKey, string>;
  logGroups: Record<FunctionKey, string>;
  api: string;
  stage: string;
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
    functions,
    roles: per((key) => `${functions[key]}-role`),
    logGroups: per((key) => `/aws/lambda/${functions[key]}`),
    api: s.apiName,
    stage: s.stage,
  };
}

/** `--since` values: a duration back from now (90s, 10m, 2h, 1d), an ISO date, or epoch milliseconds. */
export function parseSince(value: string, now = Date.now()): number {
  const duration = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
  if (duration) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as "ms"];
    return now - Number(duration[1]) * unit;
  }
  if (/^\d{10,}$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new UserError(`cannot read --since "${value}"`, "use a duration like 10m, 2h, 1d or an ISO date");
  }
  return parsed;
}
