// The DynamoDB transaction helpers the incremental index is built on: reading several items as one
// consistent snapshot, writing several conditioned on what was read, and telling from a cancellation
// which item's condition failed, so a caller retries only what a concurrent writer invalidated.
import {
  type TransactGetItem,
  TransactGetItemsCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import type { TrackingContext } from "../context.ts";
import type { Item } from "./items.ts";

/** Reads the items together (one TransactGetItems): the answers are in the order asked, undefined if absent. */
export async function readTogether(
  context: TrackingContext,
  gets: Array<{ table: string; key: Item }>,
): Promise<Array<Item | undefined>> {
  const items: TransactGetItem[] = gets.map(({ table, key }) => ({ Get: { TableName: table, Key: key } }));
  const answer = await context.tally.call("dynamodb", "TransactGetItems", () =>
    context.dynamodb.send(new TransactGetItemsCommand({ TransactItems: items })),
  );
  return gets.map((_, i) => answer.Responses?.[i]?.Item as Item | undefined);
}

export async function writeTogether(context: TrackingContext, writes: TransactWriteItem[]): Promise<void> {
  await context.tally.call("dynamodb", "TransactWriteItems", () =>
    context.dynamodb.send(new TransactWriteItemsCommand({ TransactItems: writes })),
  );
}

/**
 * A Put conditioned on the item being as read: at revision `rev`, or absent when rev is undefined.
 * `returnOld` asks DynamoDB to hand back the item as it is when the condition fails.
 */
export function conditionedPut(
  table: string,
  item: Item,
  rev: number | undefined,
  returnOld = false,
): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: item,
      ...(returnOld ? { ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const } : {}),
      ...(rev === undefined
        ? { ConditionExpression: "attribute_not_exists(#rev)", ExpressionAttributeNames: { "#rev": "rev" } }
        : {
            ConditionExpression: "#rev = :rev",
            ExpressionAttributeNames: { "#rev": "rev" },
            ExpressionAttributeValues: { ":rev": { N: String(rev) } },
          }),
    },
  };
}

/** A Put that only creates: refused when an item with the same key exists. */
export function createOnlyPut(table: string, item: Item, keyAttribute: string): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: item,
      ConditionExpression: "attribute_not_exists(#k)",
      ExpressionAttributeNames: { "#k": keyAttribute },
    },
  };
}

/**
 * The per-item reasons of a cancelled transaction (code "None", "ConditionalCheckFailed",
 * "TransactionConflict", …, and the item as it was when its Put asked for ALL_OLD), in the order of its
 * items; undefined when the error is not a cancellation. SDKs other than Java's may leave
 * CancellationReasons out, but the message always lists the codes in brackets.
 */
export function cancellationReasons(error: unknown): Array<{ code: string; item?: Item }> | undefined {
  if (!(error instanceof Error) || error.name !== "TransactionCanceledException") return undefined;
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string; Item?: Item }> })
    .CancellationReasons;
  if (Array.isArray(reasons) && reasons.length > 0) {
    return reasons.map((r) => ({ code: r.Code ?? "None", ...(r.Item ? { item: r.Item } : {}) }));
  }
  const listed = /\[([^\]]*)\]\s*$/.exec(error.message)?.[1];
  return listed ? listed.split(",").map((code) => ({ code: code.trim() })) : [];
}

export function cancellationCodes(error: unknown): string[] | undefined {
  return cancellationReasons(error)?.map((reason) => reason.code);
}

/** A transaction another writer got in the way of: worth reading again and retrying. */
export function isContention(error: unknown): boolean {
  if (error instanceof Error && error.name === "TransactionConflictException") return true;
  const codes = cancellationCodes(error);
  return codes?.some((c) => c === "ConditionalCheckFailed" || c === "TransactionConflict") === true;
}

/** Full-jitter exponential backoff, so writers contending for one bucket's total spread out. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(200, 5 * 2 ** Math.min(attempt, 10)));
}
