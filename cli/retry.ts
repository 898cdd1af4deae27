// The one retry helper: named conditions for AWS's awkward moments, exponential backoff, and a bound,
// so no step sprinkles its own sleeps.
import { awsErrorName, httpStatusOf, UserError } from "./errors.ts";

export type RetryCondition = (error: unknown) => boolean;

/** Lambda refuses a role for a few seconds after IAM created it (IAM is eventually consistent). */
export const isRolePropagationError: RetryCondition = (error) =>
  awsErrorName(error) === "InvalidParameterValueException" &&
  /cannot be assumed|role defined for the function/i.test(String((error as Error).message));

export const isThrottle: RetryCondition = (error) =>
  [
    "TooManyRequestsException",
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "RequestLimitExceeded",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    // SQS answers 403 with this (SNS's "Throttled" comes as a 429).
    "RequestThrottled",
  ].includes(awsErrorName(error) ?? "") || httpStatusOf(error) === 429;

/** Another update of the same resource is still in progress (Lambda, API Gateway, S3 configuration). */
export const isConflict: RetryCondition = (error) =>
  ["ResourceConflictException", "ConflictException", "OperationAborted", "ResourceInUseException"].includes(
    awsErrorName(error) ?? "",
  );

/** The resource exists but is not usable yet (a Pending function, a table still CREATING). */
export const isNotReady: RetryCondition = (error) =>
  awsErrorName(error) === "ResourceNotReadyException" || error instanceof NotReadyYet;

/** Thrown by a poll that should be tried again. */
export class NotReadyYet extends Error {}

export interface RetryOptions {
  when: RetryCondition[];
  /** Total attempts including the first. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called before each wait, e.g. to update a spinner. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export const DEFAULT_RETRY = { attempts: 10, baseDelayMs: 250, maxDelayMs: 5000 };

export async function withRetry<T>(action: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_RETRY.attempts;
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      const retryable = options.when.some((condition) => condition(error));
      if (!retryable || attempt >= attempts) throw error;
      const delay = Math.min(max, base * 2 ** (attempt - 1));
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}

/** Polls until `check` returns a value, within a time bound; `check` returns undefined to keep waiting. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; what: string; intervalMs?: number; hint?: string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  // Short first: a new function is Pending for well under a second, and doubling from 200 ms
  // noticed it 200–400 ms late; a describe call is cheap, and the growth still bounds a long wait.
  let delay = options.intervalMs ?? 100;
  for (;;) {
    const value = await withRetry(check, { when: [isThrottle], attempts: 5 });
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new UserError(`timed out waiting for ${options.what}`, options.hint ?? "run the command again");
    }
    await sleep(delay);
    delay = Math.min(Math.round(delay * 1.5), 3000);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
