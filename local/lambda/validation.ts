// What Lambda refuses in a function's configuration, worded as AWS words it: the model's constraints
// (length, range, pattern, enum) come back together as one ValidationException, then Lambda's own checks
// (runtime, environment size and reserved names, package type) as InvalidParameterValueException.
import { LambdaError } from "./errors.ts";
import { blockedRuntimeMessage, isRuntime, RUNTIMES } from "./runtimes.ts";

type Body = Record<string, unknown>;

const HANDLER = /^[^\s]+$/;
const ROLE = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const ROLE_PATTERN = "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+";
const VARIABLE_NAME = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
const ENVIRONMENT_LIMIT_BYTES = 4096;

/** Set by Lambda itself in every execution environment; a function may not define them. */
const RESERVED_VARIABLES = new Set([
  "_HANDLER",
  "_X_AMZN_TRACE_ID",
  "AWS_DEFAULT_REGION",
  "AWS_REGION",
  "AWS_EXECUTION_ENV",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_INITIALIZATION_TYPE",
  "AWS_LAMBDA_LOG_GROUP_NAME",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_LAMBDA_RUNTIME_API",
  "LAMBDA_TASK_ROOT",
  "LAMBDA_RUNTIME_DIR",
]);

/** The value as AWS's (Java) validator prints it: strings bare, lists as [a, b]. */
function shown(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `'[${value.map((item) => String(item)).join(", ")}]'`;
  return `'${String(value)}'`;
}

/** Collects the model's constraint failures for one request, then throws them as one ValidationException. */
class Constraints {
  private readonly failures: string[] = [];

  fail(member: string, value: unknown, constraint: string): void {
    this.failures.push(`Value ${shown(value)} at '${member}' failed to satisfy constraint: ${constraint}`);
  }

  required(member: string, value: unknown): void {
    if (value === undefined || value === null) this.fail(member, null, "Member must not be null");
  }

  length(member: string, value: unknown, min: number, max: number): void {
    if (typeof value !== "string") return;
    if (value.length < min)
      this.fail(member, value, `Member must have length greater than or equal to ${min}`);
    if (value.length > max) this.fail(member, value, `Member must have length less than or equal to ${max}`);
  }

  pattern(member: string, value: unknown, regex: RegExp, source: string): void {
    if (typeof value === "string" && !regex.test(value))
      this.fail(member, value, `Member must satisfy regular expression pattern: ${source}`);
  }

  range(member: string, value: unknown, min: number, max: number): void {
    if (value === undefined || value === null) return;
    const number = Number(value);
    if (number < min) this.fail(member, value, `Member must have value greater than or equal to ${min}`);
    else if (number > max) this.fail(member, value, `Member must have value less than or equal to ${max}`);
    else if (!Number.isInteger(number)) this.fail(member, value, "Member must be an integer");
  }

  enumeration(member: string, value: unknown, allowed: readonly string[]): void {
    if (value !== undefined && !allowed.includes(String(value)))
      this.fail(member, value, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
  }

  throwIfAny(): void {
    const count = this.failures.length;
    if (count === 0) return;
    const noun = count === 1 ? "error" : "errors";
    throw new LambdaError(
      400,
      "ValidationException",
      `${count} validation ${noun} detected: ${this.failures.join("; ")}`,
    );
  }
}

function checkArchitectures(constraints: Constraints, value: unknown): void {
  if (value === undefined) return;
  const list = Array.isArray(value) ? value : [value];
  if (list.length < 1)
    constraints.fail("architectures", list, "Member must have length greater than or equal to 1");
  else if (list.length > 1)
    constraints.fail("architectures", list, "Member must have length less than or equal to 1");
  else if (!["x86_64", "arm64"].includes(String(list[0])))
    constraints.fail(
      "architectures",
      list,
      "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]",
    );
}

/** The constraints CreateFunction and UpdateFunctionConfiguration share (every member optional here). */
function checkConfiguration(constraints: Constraints, input: Body): void {
  constraints.pattern("role", input.Role, ROLE, ROLE_PATTERN);
  constraints.length("handler", input.Handler, 0, 128);
  constraints.pattern("handler", input.Handler, HANDLER, "[^\\s]+");
  constraints.length("description", input.Description, 0, 256);
  constraints.range("timeout", input.Timeout, 1, 900);
  constraints.range("memorySize", input.MemorySize, 128, 10240);
  const storage = input.EphemeralStorage as { Size?: unknown } | undefined;
  if (storage !== undefined) {
    constraints.required("ephemeralStorage.size", storage.Size);
    constraints.range("ephemeralStorage.size", storage.Size, 512, 10240);
  }
  const variables = (input.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  if (variables && Object.keys(variables).some((name) => !VARIABLE_NAME.test(name))) {
    // The variables are sensitive: AWS names the member but never echoes the values.
    constraints.fail(
      "environment.variables",
      undefined,
      "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
    );
  }
}

/** Lambda's own checks after the model's: runtime, environment size and reserved names. */
function checkSemantics(input: Body): void {
  if (input.Runtime !== undefined) {
    const runtime = String(input.Runtime);
    if (!isRuntime(runtime)) {
      throw invalidParameter(
        `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${RUNTIMES.join(", ")}] or be a valid ARN`,
      );
    }
    const blocked = blockedRuntimeMessage(runtime);
    if (blocked) throw invalidParameter(blocked);
  }
  const variables = (input.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
  if (!variables) return;
  const reserved = Object.keys(variables).filter((name) => RESERVED_VARIABLES.has(name));
  if (reserved.length > 0) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(", ")}`,
    );
  }
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured) > ENVIRONMENT_LIMIT_BYTES) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
}

export function validateCreate(input: Body): void {
  const constraints = new Constraints();
  constraints.required("functionName", input.FunctionName);
  constraints.required("role", input.Role);
  constraints.required("code", input.Code);
  constraints.enumeration("packageType", input.PackageType, ["Zip", "Image"]);
  checkConfiguration(constraints, input);
  checkArchitectures(constraints, input.Architectures);
  constraints.throwIfAny();
  if (input.PackageType === "Image") {
    throw invalidParameter(
      "The local cloud runs Zip functions only: PackageType Image needs a container image, which it does not emulate.",
    );
  }
  if (input.Runtime === undefined)
    throw invalidParameter("Runtime is required for Zip package type functions.");
  if (input.Handler === undefined)
    throw invalidParameter("Handler is required for Zip package type functions.");
  checkSemantics(input);
}

export function validateConfigurationUpdate(input: Body): void {
  const constraints = new Constraints();
  checkConfiguration(constraints, input);
  constraints.throwIfAny();
  checkSemantics(input);
}

export function validateCodeUpdate(input: Body): void {
  const constraints = new Constraints();
  checkArchitectures(constraints, input.Architectures);
  constraints.throwIfAny();
}

export const invalidParameter = (message: string) =>
  new LambdaError(400, "InvalidParameterValueException", message);
