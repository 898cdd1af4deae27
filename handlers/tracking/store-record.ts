// Writes a history record without ever replacing another: a write that lands on an existing
// (bucket_name, timestamp) is refused by its condition and tried again one millisecond later.
import type { HistoryRecord } from "../common/history.ts";

/** Puts the record only if its key is free; rejects with a ConditionalCheckFailedException otherwise. */
export type ConditionalPut = (record: HistoryRecord) => Promise<void>;

export const MAX_TIMESTAMP_ATTEMPTS = 1000;

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === "ConditionalCheckFailedException";
}

/** Stores the record at its timestamp or the next free millisecond; returns the record as stored. */
export async function storeWithoutOverwrite(
  record: HistoryRecord,
  put: ConditionalPut,
  maxAttempts = MAX_TIMESTAMP_ATTEMPTS,
): Promise<HistoryRecord> {
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const timestamp = record.timestamp + attempt;
    const candidate = { ...record, timestamp, recordedAt: new Date(timestamp).toISOString() };
    try {
      await put(candidate);
      return candidate;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
  throw new Error(
    `no free timestamp for bucket ${record.bucketName} in ${maxAttempts} ms from ${record.timestamp}`,
  );
}
