// The one error class users see: raised where the cause is known, printed once at the top of the CLI
// as one line plus a hint. Anything else reaching the top is a bug and is reported as such.

/** The exit codes, as the README documents them. */
export const EXIT = { ok: 0, failure: 1, usage: 2, notUpToDate: 3 } as const;

export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "UserError";
  }
}

/** The AWS error name of an SDK exception (`NoSuchBucket`, `ResourceNotFoundException`, …). */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { name?: string; Code?: string; code?: string };
  return e.Code ?? e.name ?? e.code;
}

export function httpStatusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** True when the caller's credentials may not make the call (each service names it its own way). */
export function isAccessDenied(error: unknown): boolean {
  return (
    ["AccessDeniedException", "AccessDenied"].includes(awsErrorName(error) ?? "") ||
    httpStatusOf(error) === 403
  );
}

/** True for the "does not exist" answers of the services setup reads before it creates. */
export function isNotFound(error: unknown): boolean {
  const name = awsErrorName(error) ?? "";
  return (
    [
      "NoSuchBucket",
      "NotFound",
      "NoSuchEntity",
      "ResourceNotFoundException",
      "NotFoundException",
      "NoSuchTagSet",
      "NoSuchPublicAccessBlockConfiguration",
      "ServerSideEncryptionConfigurationNotFoundError",
    ].includes(name) || httpStatusOf(error) === 404
  );
}
