// SQS's refusals with the codes, statuses and words AWS uses. The JSON protocol names the SDK's exception;
// the Query protocol (and the awsQueryCompatible header) carries the older AWS.SimpleQueueService.* code.
import { ServiceError } from "../protocol/operations.ts";

export const queueDoesNotExist = () =>
  new ServiceError(
    400,
    "QueueDoesNotExist",
    "The specified queue does not exist.",
    "AWS.SimpleQueueService.NonExistentQueue",
  );

export const invalidParameterValue = (message: string) =>
  new ServiceError(400, "InvalidParameterValue", message);

/** "Value X for parameter P is invalid. Reason: …", SQS's usual shape for a value out of range. */
export const invalidValue = (parameter: string, value: unknown, reason: string) =>
  invalidParameterValue(`Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`);

export const missingParameter = (name: string) =>
  new ServiceError(400, "MissingParameter", `The request must contain the parameter ${name}.`);

export const unknownAttribute = (name: string) =>
  new ServiceError(400, "InvalidAttributeName", `Unknown Attribute ${name}.`);

export const invalidAttributeValue = (name: string, reason?: string) =>
  new ServiceError(
    400,
    "InvalidAttributeValue",
    `Invalid value for the parameter ${name}.${reason ? ` Reason: ${reason}` : ""}`,
  );

export const invalidReceiptHandle = (handle: string) =>
  new ServiceError(
    404,
    "ReceiptHandleIsInvalid",
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
  );

export const batchErrors = {
  empty: (kind: string) =>
    new ServiceError(
      400,
      "EmptyBatchRequest",
      `There should be at least one ${kind}RequestEntry in the request.`,
      "AWS.SimpleQueueService.EmptyBatchRequest",
    ),
  tooMany: (count: number) =>
    new ServiceError(
      400,
      "TooManyEntriesInBatchRequest",
      `Maximum number of entries per request are 10. You have sent ${count}.`,
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    ),
  invalidId: () =>
    new ServiceError(
      400,
      "InvalidBatchEntryId",
      "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
      "AWS.SimpleQueueService.InvalidBatchEntryId",
    ),
  notDistinct: (id: string) =>
    new ServiceError(
      400,
      "BatchEntryIdsNotDistinct",
      `Id ${id} repeated.`,
      "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    ),
  tooLong: (limit: number, length: number) =>
    new ServiceError(
      400,
      "BatchRequestTooLong",
      `Batch requests cannot be longer than ${limit} bytes. You have sent ${length} bytes.`,
      "AWS.SimpleQueueService.BatchRequestTooLong",
    ),
};
