// Where and as whom, with the AWS CLI's precedence: flags, then the environment, then the profile in
// the shared config and credentials files (read by the SDK's own loader, at AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE when set). Endpoints follow the configured-endpoints rules: --endpoint-url,
// AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's `services` section, its `endpoint_url`.
import { homedir } from "node:os";
import { join } from "node:path";
import { UserError } from "./errors.ts";

/** The clients the CLI builds, by the SDK's service id (what AWS_ENDPOINT_URL_<ID> and `services` use). */
export const SERVICE_IDS = {
  s3: "S3",
  dynamodb: "DynamoDB",
  lambda: "Lambda",
  iam: "IAM",
  sts: "STS",
  apigateway: "API Gateway",
  logs: "CloudWatch Logs",
  events: "EventBridge",
  sns: "SNS",
  sqs: "SQS",
  cloudwatch: "CloudWatch",
} as const;
export type ServiceKey = keyof typeof SERVICE_IDS;

export const DEFAULT_REGION = "us-east-1";

export interface AwsFlags {
  profile?: string;
  region?: string;
  endpointUrl?: string;
}

/** A value and where it came from, for `status` and error messages. */
export interface Sourced {
  value: string;
  source: string;
}

export interface AwsProfile {
  name: string;
  /** `--profile`, `AWS_PROFILE`, or "default" when nothing named one. */
  source: string;
  /** Whether either file has the profile; a named profile that does not exist is an error. */
  found: boolean;
  configFile: string;
  credentialsFile: string;
  /** The profile's settings, the credentials file's over the config file's (as the SDK merges them). */
  settings: Record<string, string>;
  /** The profile's `services` section, when it names one. */
  services?: Record<string, string>;
}

type Env = NodeJS.ProcessEnv;

function home(env: Env): string {
  return env.HOME || env.USERPROFILE || homedir();
}

/** The profile's name per the AWS CLI: --profile, then AWS_PROFILE, then "default". */
export function profileName(flags: AwsFlags, env: Env): Sourced {
  if (flags.profile) return { value: flags.profile, source: "--profile" };
  if (env.AWS_PROFILE) return { value: env.AWS_PROFILE, source: "AWS_PROFILE" };
  return { value: "default", source: "default" };
}

export async function loadAwsProfile(flags: AwsFlags, env: Env): Promise<AwsProfile> {
  const { value: name, source } = profileName(flags, env);
  const configFile = env.AWS_CONFIG_FILE || join(home(env), ".aws", "config");
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || join(home(env), ".aws", "credentials");
  // Loaded here, not at the top: every command's start (and `s3size --help`) would pay for it.
  const { loadSharedConfigFiles } = await import("@smithy/core/config");
  const files = await loadSharedConfigFiles({ configFilepath: configFile, filepath: credentialsFile });
  const fromConfig = files.configFile[name];
  const fromCredentials = files.credentialsFile[name];
  const settings = { ...fromConfig, ...fromCredentials } as Record<string, string>;
  const profile: AwsProfile = {
    name,
    source,
    found: Boolean(fromConfig || fromCredentials),
    configFile,
    credentialsFile,
    settings,
  };
  if (settings.services) {
    const section = files.configFile[`services.${settings.services}`];
    if (!section) {
      throw new UserError(
        `profile ${name} names the services section "${settings.services}", which ${configFile} does not have`,
        `add [services ${settings.services}] to ${configFile}, or remove services = ${settings.services} from the profile`,
      );
    }
    profile.services = section as Record<string, string>;
  }
  if (source !== "default" && !profile.found) {
    throw new UserError(
      `profile "${name}" (${source}) is not in ${configFile} or ${credentialsFile}`,
      `create it with: aws configure --profile ${name}${knownProfiles(files)}`,
    );
  }
  return profile;
}

function knownProfiles(files: { configFile: object; credentialsFile: object }): string {
  const names = [
    ...new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)]),
  ].filter((name) => !name.includes("."));
  return names.length > 0 ? ` (profiles there: ${names.sort().join(", ")})` : "";
}

/** --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region, then us-east-1. */
export function resolveRegion(flags: AwsFlags, env: Env, profile?: AwsProfile): Sourced {
  if (flags.region) return { value: flags.region, source: "--region" };
  // AWS_REGION and the profile's `region` are what the SDK's NODE_REGION_CONFIG_OPTIONS select.
  if (env.AWS_REGION) return { value: env.AWS_REGION, source: "AWS_REGION" };
  if (env.AWS_DEFAULT_REGION) return { value: env.AWS_DEFAULT_REGION, source: "AWS_DEFAULT_REGION" };
  if (profile?.settings.region) return { value: profile.settings.region, source: `profile ${profile.name}` };
  return { value: DEFAULT_REGION, source: "default" };
}

/**
 * A service's endpoint, or undefined for AWS itself. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the
 * profile's ignore_configured_endpoint_urls) switches off everything but --endpoint-url.
 */
export function resolveEndpoint(
  service: ServiceKey,
  flags: AwsFlags,
  env: Env,
  profile?: AwsProfile,
): Sourced | undefined {
  if (flags.endpointUrl) return { value: flags.endpointUrl, source: "--endpoint-url" };
  const ignore = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? profile?.settings.ignore_configured_endpoint_urls;
  if (ignore?.toLowerCase() === "true") return undefined;
  const id = SERVICE_IDS[service];
  const envName = `AWS_ENDPOINT_URL_${id.toUpperCase().replaceAll(" ", "_")}`;
  if (env[envName]) return { value: env[envName]!, source: envName };
  if (env.AWS_ENDPOINT_URL) return { value: env.AWS_ENDPOINT_URL, source: "AWS_ENDPOINT_URL" };
  if (!profile) return undefined;
  const key = `${id.toLowerCase().replaceAll(" ", "_")}.endpoint_url`;
  const fromServices = profile.services?.[key];
  if (fromServices)
    return {
      value: fromServices,
      source: `[services ${profile.settings.services}] in ${profile.configFile}`,
    };
  if (profile.settings.endpoint_url)
    return { value: profile.settings.endpoint_url, source: `profile ${profile.name}` };
  return undefined;
}

/**
 * As in the AWS CLI, static keys in the environment win over AWS_PROFILE, but not over --profile
 * (the SDK alone would take the profile and print a nine-line warning about it).
 */
export function credentialsFromEnvironment(profile: Sourced, env: Env): boolean {
  return profile.source !== "--profile" && Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY);
}
