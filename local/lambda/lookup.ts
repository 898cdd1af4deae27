// From what a caller names (a function name, a partial ARN or a full ARN, with an optional qualifier) to a
// function of one region, with Lambda's errors for a function elsewhere, missing or not yet Active.
import { LOCAL_ACCOUNT_ID, type RealismSettings } from "../types.ts";
import { LambdaError, notFound } from "./errors.ts";
import { type FunctionRecord, type FunctionStore, functionArn, functionState } from "./functions.ts";

export interface FunctionRef {
  name: string;
  /** The region the ARN names, when an ARN was given. */
  region?: string;
  qualifier?: string;
}

const REFERENCE =
  /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:|(\d{12}):function:)?([a-zA-Z0-9-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9-_]{1,128}))?$/;
const REFERENCE_PATTERN =
  "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

/** Parses a FunctionName member; a malformed one is the ValidationException AWS answers. */
export function parseFunctionRef(value: string): FunctionRef {
  const match = value.length <= 140 ? value.match(REFERENCE) : null;
  if (!match) {
    throw new LambdaError(
      400,
      "ValidationException",
      `1 validation error detected: Value '${value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${REFERENCE_PATTERN}`,
    );
  }
  return {
    name: match[4]!,
    ...(match[1] ? { region: match[1] } : {}),
    ...(match[5] ? { qualifier: match[5] } : {}),
  };
}

/** The unqualified ARN a reference names in `region`, for IAM and error messages. */
export function referencedArn(ref: FunctionRef, region: string): string {
  return functionArn({ name: ref.name, region: ref.region ?? region });
}

/** Finds a function of `region`; only `$LATEST` exists (no versions or aliases are emulated). */
export function findFunction(
  store: FunctionStore,
  nameOrArn: string,
  region: string,
  qualifier?: string,
): FunctionRecord {
  const ref = parseFunctionRef(nameOrArn);
  if (ref.region && ref.region !== region) {
    throw new LambdaError(
      404,
      "ResourceNotFoundException",
      `Functions from '${ref.region}' are not reachable in this region ('${region}')`,
    );
  }
  const record = store.get(region, ref.name);
  if (!record) throw notFound(`arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${ref.name}`);
  const wanted = qualifier ?? ref.qualifier;
  if (wanted !== undefined && wanted !== "$LATEST") throw notFound(`${functionArn(record)}:${wanted}`);
  return record;
}

/** Finds a function for another service: by full ARN in its own region, by name in the caller's region. */
export function findForService(
  store: FunctionStore,
  nameOrArn: string,
  callerRegion: string,
): FunctionRecord {
  const ref = parseFunctionRef(nameOrArn);
  return findFunction(store, nameOrArn, ref.region ?? callerRegion);
}

export function assertActive(record: FunctionRecord, realism: RealismSettings): void {
  const state = functionState(record, realism);
  if (state !== "Active") {
    throw new LambdaError(
      409,
      "ResourceConflictException",
      `The operation cannot be performed at this time. The function is currently in the following state: ${state}`,
    );
  }
}
