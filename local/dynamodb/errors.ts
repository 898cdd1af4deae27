// DynamoDB's errors as its awsJson 1.0 wire carries them: a namespaced `__type` the SDKs strip to the
// exception name, and AWS's message.

const DYNAMODB = "com.amazonaws.dynamodb.v20120810#";
const CORAL = "com.amazon.coral.service#";

export class DynamoError extends Error {
  constructor(
    /** e.g. "com.amazonaws.dynamodb.v20120810#ResourceInUseException" */
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const validationError = (message: string) =>
  new DynamoError("com.amazon.coral.validate#ValidationException", message);
export const resourceInUse = (message: string) =>
  new DynamoError(`${DYNAMODB}ResourceInUseException`, message);
export const resourceNotFound = (message = "Requested resource not found") =>
  new DynamoError(`${DYNAMODB}ResourceNotFoundException`, message);
export const limitExceeded = (message: string) =>
  new DynamoError(`${DYNAMODB}LimitExceededException`, message);
export const serializationError = (message: string) =>
  new DynamoError(`${CORAL}SerializationException`, message);
export const unknownOperation = (message: string) =>
  new DynamoError(`${CORAL}UnknownOperationException`, message);
export const invalidSignature = (message: string) =>
  new DynamoError(`${CORAL}InvalidSignatureException`, message);

/** dynalite reports failures as errors with a statusCode and the body to send. */
export function fromDynalite(error: unknown): DynamoError | undefined {
  const failure = error as {
    statusCode?: number;
    body?: { __type?: string; message?: string; Message?: string };
  };
  if (!failure?.statusCode || !failure.body?.__type) return undefined;
  return new DynamoError(
    failure.body.__type,
    failure.body.message ?? failure.body.Message ?? "",
    failure.statusCode,
  );
}
