// The one place that turns "where and as whom" into AWS SDK v3 client configuration.
// Used by the Lambda handlers and by the CLI, so both talk to AWS and to the local cloud the same way.
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";

export interface AwsTarget {
  region?: string;
  /** Any AWS-compatible endpoint (the local cloud); undefined means real AWS. */
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  maxAttempts?: number;
}

export interface BaseClientConfig {
  region: string;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  maxAttempts?: number;
}

export interface S3ClientConfigShape extends BaseClientConfig {
  forcePathStyle?: boolean;
  requestChecksumCalculation?: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
  responseChecksumValidation?: "WHEN_REQUIRED" | "WHEN_SUPPORTED";
}

export const DEFAULT_REGION = "us-east-1";

/** Resolves the target from explicit options first, then the standard AWS environment variables. */
export function resolveTarget(target: AwsTarget = {}, env: NodeJS.ProcessEnv = process.env): AwsTarget {
  return {
    ...target,
    region: target.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? DEFAULT_REGION,
    endpoint: target.endpoint ?? (env.AWS_ENDPOINT_URL || undefined),
  };
}

export function clientConfig(target: AwsTarget = {}, env: NodeJS.ProcessEnv = process.env): BaseClientConfig {
  const t = resolveTarget(target, env);
  const config: BaseClientConfig = { region: t.region ?? DEFAULT_REGION };
  if (t.endpoint) config.endpoint = t.endpoint;
  if (t.credentials) config.credentials = t.credentials;
  if (t.maxAttempts) config.maxAttempts = t.maxAttempts;
  return config;
}

/**
 * S3 needs more than the rest: emulators serve buckets by path, and since SDK 3.729 the default
 * CRC32 checksums and aws-chunked uploads are only sent to endpoints that are known to accept them.
 */
export function s3ClientConfig(
  target: AwsTarget = {},
  env: NodeJS.ProcessEnv = process.env,
): S3ClientConfigShape {
  const config: S3ClientConfigShape = clientConfig(target, env);
  if (config.endpoint) {
    config.forcePathStyle = true;
    config.requestChecksumCalculation = "WHEN_REQUIRED";
    config.responseChecksumValidation = "WHEN_REQUIRED";
  }
  return config;
}
