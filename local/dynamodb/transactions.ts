// DynamoDB's transactions, which dynalite lacks: TransactGetItems and TransactWriteItems with DynamoDB's
// validation, all-or-nothing conditions, cancellation reasons and idempotency tokens. They run on
// dynalite's own single-item operations: a gate lets either one write transaction or any number of
// other writes and transactional reads in at a time, every condition is evaluated with dynalite's own
// expression code against the items as they are, and the writes apply only when all hold. Not
// crash-atomic: a cloud killed half-way through a transaction's writes keeps those already applied.
import { createRequire } from "node:module";
import type { RegionTables } from "./engine.ts";
import { DynamoError } from "./errors.ts";

/** A call to dynalite by operation name; the answer is its HTTP status and parsed JSON body. */
export type DynaliteCall = (
  operation: string,
  input: object,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/** Calls on one region's tables, answering as the wire would (a refusal as its status and body). */
export function callOn(tables: RegionTables): DynaliteCall {
  return async (operation, input) => {
    try {
      return { status: 200, body: await tables.run(operation, tables.validate(operation, input)) };
    } catch (error) {
      if (!(error instanceof DynamoError)) throw error;
      return { status: error.status, body: { __type: error.type, message: error.message } };
    }
  };
}

export interface DynamoAnswer {
  status: number;
  body: Record<string, unknown>;
}

type Item = Record<string, unknown>;

interface Validations {
  checkTypes(data: unknown, types: unknown): Record<string, unknown>;
  checkValidations(data: unknown, types: unknown, custom: unknown, store: unknown): void;
}

const require = createRequire(import.meta.url);
const validations = require("dynalite/validations") as Validations;
const dynaliteDb = require("dynalite/db") as { checkConditional(data: unknown, item: unknown): unknown };
const rules = Object.fromEntries(
  ["putItem", "updateItem", "deleteItem", "getItem"].map((name) => [
    name,
    require(`dynalite/validations/${name}`) as { types: unknown; custom?: unknown },
  ]),
);
// dynalite's validations read the item size limit from its store's options; nothing else of it.
const VALIDATION_STORE = { options: { maxItemSize: 400 * 1024 } };

const ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";
const VALIDATION = "com.amazon.coral.validate#ValidationException";
const TOKEN_LIFETIME_MS = 10 * 60 * 1000;

class AnswerError extends Error {
  constructor(readonly answer: DynamoAnswer) {
    super(String(answer.body.message ?? answer.body.Message ?? ""));
  }
}

/** A transaction's refusal as the service's error, its extra fields (CancellationReasons) kept. */
export function asDynamoError(answer: DynamoAnswer): DynamoError {
  const { __type, message, ...extra } = answer.body;
  return new DynamoError(String(__type), String(message ?? ""), answer.status, extra);
}

const fail = (status: number, type: string, message: string, extra: Item = {}): never => {
  throw new AnswerError({ status, body: { __type: type, message, ...extra } });
};
const invalid = (message: string): never => fail(400, VALIDATION, message);

/** Many readers or one writer: transactions write alone, everything else shares. */
class Gate {
  private sharing = 0;
  private writing = false;
  private readonly waiting: Array<{ exclusive: boolean; enter: () => void }> = [];

  async run<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
    await new Promise<void>((enter) => {
      this.waiting.push({ exclusive, enter });
      this.admit();
    });
    try {
      return await work();
    } finally {
      if (exclusive) this.writing = false;
      else this.sharing -= 1;
      this.admit();
    }
  }

  private admit(): void {
    while (this.waiting.length > 0 && !this.writing) {
      const next = this.waiting[0]!;
      if (next.exclusive && this.sharing > 0) return;
      this.waiting.shift();
      if (next.exclusive) this.writing = true;
      else this.sharing += 1;
      next.enter();
      if (next.exclusive) return;
    }
  }
}

interface PlannedAction {
  operation: "PutItem" | "UpdateItem" | "DeleteItem" | "ConditionCheck";
  /** The request for dynalite's single-item operation, validated by its rules. */
  data: Record<string, unknown>;
  table: string;
  key: Item;
  returnOld: boolean;
}

/**
 * The write as dynalite's single-item operation takes it once every condition has held under the gate:
 * without its condition, and without the names and values only the condition used (DynamoDB refuses
 * unused ones).
 */
function withoutCondition(data: Record<string, unknown>): Record<string, unknown> {
  const write: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (field.startsWith("_") || ["ConditionExpression", "Expected", "ConditionalOperator"].includes(field))
      continue;
    write[field] = value;
  }
  const update = typeof write.UpdateExpression === "string" ? write.UpdateExpression : "";
  const used = (placeholders: unknown) =>
    placeholders && typeof placeholders === "object"
      ? Object.fromEntries(
          Object.entries(placeholders).filter(([name]) => new RegExp(`${name}(?![A-Za-z0-9_])`).test(update)),
        )
      : undefined;
  const names = used(write.ExpressionAttributeNames);
  const values = used(write.ExpressionAttributeValues);
  delete write.ExpressionAttributeNames;
  delete write.ExpressionAttributeValues;
  if (names && Object.keys(names).length > 0) write.ExpressionAttributeNames = names;
  if (values && Object.keys(values).length > 0) write.ExpressionAttributeValues = values;
  return write;
}

/** A transaction's list of items, 1 to 100 of them, as DynamoDB requires. */
function transactItems(input: Item): Item[] {
  const items = input.TransactItems;
  if (!Array.isArray(items) || items.length === 0) {
    invalid(
      "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
    );
  }
  if ((items as Item[]).length > 100) {
    invalid(
      "1 validation error detected: Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100",
    );
  }
  return items as Item[];
}

/** One per DynamoDB service: its gate and its idempotency tokens outlive any request. */
export function createTransactions() {
  const gate = new Gate();
  const tokens = new Map<string, { at: number; request: string; answer: DynamoAnswer }>();

  const keyOf = async (call: DynaliteCall, table: string, item: Item): Promise<Item> => {
    const described = await call("DescribeTable", { TableName: table });
    if (described.status !== 200) {
      fail(400, `${ERROR_PREFIX}ResourceNotFoundException`, "Requested resource not found");
    }
    const key: Item = {};
    for (const { AttributeName } of (described.body.Table as { KeySchema: Array<{ AttributeName: string }> })
      .KeySchema) {
      if (item[AttributeName] === undefined) invalid("The provided key element does not match the schema");
      key[AttributeName] = item[AttributeName];
    }
    return key;
  };

  const validated = (rule: string, input: Item): Record<string, unknown> => {
    const { types, custom } = rules[rule]!;
    try {
      const data = validations.checkTypes(input, types);
      validations.checkValidations(data, types, custom, VALIDATION_STORE);
      return data;
    } catch (error) {
      const body = (error as { body?: Item }).body;
      if (body) throw new AnswerError({ status: 400, body });
      throw error;
    }
  };

  const plan = async (call: DynaliteCall, entry: Item, index: number): Promise<PlannedAction> => {
    const kinds = ["ConditionCheck", "Put", "Delete", "Update"].filter((kind) => entry[kind] !== undefined);
    if (kinds.length !== 1) invalid("TransactItems can only contain one of Check, Put, Update or Delete");
    const kind = kinds[0]!;
    const { ReturnValuesOnConditionCheckFailure: returnOld, ...request } = entry[kind] as Item;
    if (returnOld !== undefined && returnOld !== "ALL_OLD" && returnOld !== "NONE") {
      invalid(
        `1 validation error detected: Value '${String(returnOld)}' at 'transactItems.${index + 1}.member.${kind.toLowerCase()}.returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]`,
      );
    }
    const table = String(request.TableName ?? "");
    if (kind === "ConditionCheck") {
      if (typeof request.ConditionExpression !== "string")
        invalid("The parameter 'ConditionExpression' is required but was not present in the request");
      // A check is a delete that is never applied: the same rules for its key and its condition.
      const data = validated("deleteItem", request);
      return {
        operation: "ConditionCheck",
        data,
        table,
        key: await keyOf(call, table, request.Key as Item),
        returnOld: returnOld === "ALL_OLD",
      };
    }
    const operation = `${kind}Item` as PlannedAction["operation"];
    const data = validated(`${kind.toLowerCase()}Item`, request);
    const key = await keyOf(call, table, (kind === "Put" ? request.Item : request.Key) as Item);
    return { operation, data, table, key, returnOld: returnOld === "ALL_OLD" };
  };

  const transactWrite = async (call: DynaliteCall, input: Item): Promise<DynamoAnswer> => {
    const list = transactItems(input);
    const token = typeof input.ClientRequestToken === "string" ? input.ClientRequestToken : undefined;
    const request = JSON.stringify(list);
    if (token) {
      const now = Date.now();
      for (const [name, seen] of tokens) if (now - seen.at > TOKEN_LIFETIME_MS) tokens.delete(name);
      const seen = tokens.get(token);
      if (seen && seen.request !== request) {
        fail(
          400,
          `${ERROR_PREFIX}IdempotentParameterMismatchException`,
          "Request parameters do not match the previous request with the same client token",
        );
      }
      // The same request again within ten minutes answers as the first did and changes nothing.
      if (seen) return seen.answer;
    }
    const planned = await Promise.all(list.map((entry, i) => plan(call, entry, i)));
    const seenKeys = new Set<string>();
    for (const action of planned) {
      const id = JSON.stringify([action.table, action.key]);
      if (seenKeys.has(id)) invalid("Transaction request cannot include multiple operations on one item");
      seenKeys.add(id);
    }
    return gate.run(true, async () => {
      const current = await Promise.all(
        planned.map(async (action) => {
          const got = await call("GetItem", {
            TableName: action.table,
            Key: action.key,
            ConsistentRead: true,
          });
          return got.body.Item as Item | undefined;
        }),
      );
      const reasons = planned.map((action, i) => {
        if (dynaliteDb.checkConditional(action.data, current[i]) === null) return { Code: "None" };
        return {
          Code: "ConditionalCheckFailed",
          Message: "The conditional request failed",
          ...(action.returnOld && current[i] ? { Item: current[i] } : {}),
        };
      });
      if (reasons.some((reason) => reason.Code !== "None")) {
        fail(
          400,
          `${ERROR_PREFIX}TransactionCanceledException`,
          `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
          { CancellationReasons: reasons },
        );
      }
      for (const action of planned) {
        if (action.operation === "ConditionCheck") continue;
        const done = await call(action.operation, withoutCondition(action.data));
        if (done.status !== 200) throw new AnswerError(done);
      }
      const answer: DynamoAnswer = { status: 200, body: {} };
      if (token) tokens.set(token, { at: Date.now(), request, answer });
      return answer;
    });
  };

  const transactGet = async (call: DynaliteCall, input: Item): Promise<DynamoAnswer> => {
    const list = transactItems(input);
    const gets = await Promise.all(
      list.map(async (entry) => {
        const get = entry.Get as Item | undefined;
        if (!get)
          invalid(
            "1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: Member must not be null",
          );
        const data = validated("getItem", get as Item);
        await keyOf(call, String(data.TableName), data.Key as Item);
        return data;
      }),
    );
    // Shared with other readers and single writes, never with a write transaction: a snapshot.
    return gate.run(false, async () => {
      const responses = await Promise.all(
        gets.map(async (data) => {
          const get = Object.fromEntries(Object.entries(data).filter(([field]) => !field.startsWith("_")));
          const got = await call("GetItem", { ...get, ConsistentRead: true });
          if (got.status !== 200) throw new AnswerError(got);
          return got.body.Item ? { Item: got.body.Item } : {};
        }),
      );
      return { status: 200, body: { Responses: responses } };
    });
  };

  return {
    /** Runs a transaction operation: its answer, or DynamoDB's refusal as a DynamoError. */
    async run(operation: string, input: Item, call: DynaliteCall): Promise<Record<string, unknown>> {
      try {
        const answer =
          operation === "TransactWriteItems"
            ? await transactWrite(call, input)
            : await transactGet(call, input);
        return answer.body;
      } catch (error) {
        if (error instanceof AnswerError) throw asDynamoError(error.answer);
        throw error;
      }
    },
    /** Runs a single-item write beside transactions, never while one applies its writes. */
    beside<T>(work: () => Promise<T>): Promise<T> {
      return gate.run(false, work);
    },
  };
}

export type Transactions = ReturnType<typeof createTransactions>;

type Requirement = { action: string; resources: string[] };

/**
 * What a transaction needs of IAM: each item's own action on its table (PutItem, UpdateItem,
 * DeleteItem, ConditionCheckItem; GetItem for a read), as DynamoDB authorizes them.
 */
export function transactionRequirements(input: Item, tableArn: (name: unknown) => string): Requirement[] {
  const actions: Record<string, string> = {
    Put: "dynamodb:PutItem",
    Update: "dynamodb:UpdateItem",
    Delete: "dynamodb:DeleteItem",
    ConditionCheck: "dynamodb:ConditionCheckItem",
    Get: "dynamodb:GetItem",
  };
  const wanted = new Map<string, Requirement>();
  for (const entry of Array.isArray(input.TransactItems) ? (input.TransactItems as Item[]) : []) {
    for (const [kind, action] of Object.entries(actions)) {
      const request = entry?.[kind] as Item | undefined;
      if (!request) continue;
      const resource = tableArn(request.TableName);
      wanted.set(`${action} ${resource}`, { action, resources: [resource] });
    }
  }
  return [...wanted.values()];
}
