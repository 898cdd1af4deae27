// dynalite used as a library: its validations, actions and LevelDB store, one store per region under
// <data>/dynamodb/<region>/, with the table ARNs of that region. Calling it in-process (not through its
// HTTP server) lets the local cloud wait for what dynalite does after it answers: a table it reports as
// CREATING is ACTIVE a tick later, and the answer is only sent once that is on disk.
import { existsSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { DynamoError, fromDynalite } from "./errors.ts";

type Callback<T = unknown> = (error: unknown, value?: T) => void;

export interface SubDb {
  get(key: string, callback: Callback): void;
  put(key: string, value: unknown, callback: Callback): void;
  del(key: string, callback: Callback): void;
  lock(key: string, work: (release: <T extends Callback>(callback: T) => T) => void): void;
  createValueStream(options?: object): Readable;
}

export interface TableDescription {
  TableName: string;
  TableStatus: string;
  TableArn?: string;
  KeySchema: Array<{ AttributeName: string; KeyType: string }>;
  AttributeDefinitions: Array<{ AttributeName: string; AttributeType: string }>;
  BillingModeSummary?: { BillingMode: string };
  GlobalSecondaryIndexes?: IndexDescription[];
  LocalSecondaryIndexes?: IndexDescription[];
  [field: string]: unknown;
}

export interface IndexDescription {
  IndexName: string;
  KeySchema: Array<{ AttributeName: string; KeyType: string }>;
  Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
  IndexStatus?: string;
  Backfilling?: boolean;
  IndexArn?: string;
  [field: string]: unknown;
}

export interface DynaliteStore {
  options: Record<string, unknown>;
  tableDb: SubDb & { awsRegion: string; awsAccountId: string };
  getItemDb(table: string): SubDb;
  getIndexDb(type: string, table: string, index: string): SubDb;
  deleteIndexDb(type: string, table: string, index: string, callback: Callback): void;
  getTable(name: string, checkStatus: boolean, callback: Callback<TableDescription>): void;
  lifecycleManager: { gracefulClose(callback: Callback): void };
}

interface DynaliteDb {
  create(options: object): DynaliteStore;
  getIndexActions(
    indexes: IndexDescription[],
    existing: unknown,
    item: unknown,
    table: TableDescription,
  ): { puts: Array<{ index: string; key: string; item: unknown }>; deletes: unknown[] };
  createKey(item: unknown, table: TableDescription): string;
}

interface Validations {
  checkTypes(data: unknown, types: unknown): Record<string, unknown>;
  checkValidations(data: unknown, types: unknown, custom: unknown, store: DynaliteStore): void;
  toLowerFirst(name: string): string;
}

type Action = (store: DynaliteStore, data: unknown, callback: Callback) => void;

const require = createRequire(import.meta.url);
export const dynaliteDb = require("dynalite/db") as DynaliteDb;
const validations = require("dynalite/validations") as Validations;

/** The operations dynalite implements, by their DynamoDB names. */
export const DYNALITE_OPERATIONS = [
  "BatchGetItem",
  "BatchWriteItem",
  "CreateTable",
  "DeleteItem",
  "DeleteTable",
  "DescribeTable",
  "DescribeTimeToLive",
  "GetItem",
  "ListTables",
  "PutItem",
  "Query",
  "Scan",
  "TagResource",
  "UntagResource",
  "ListTagsOfResource",
  "UpdateItem",
  "UpdateTable",
] as const;

const actions = new Map<string, { run: Action; types: unknown; custom: unknown }>(
  DYNALITE_OPERATIONS.map((operation) => {
    const name = validations.toLowerFirst(operation);
    const rules = require(`dynalite/validations/${name}`) as { types: unknown; custom?: unknown };
    return [
      operation,
      { run: require(`dynalite/actions/${name}`) as Action, types: rules.types, custom: rules.custom },
    ];
  }),
);

export const callback =
  <T>(resolve: (value: T) => void, reject: (error: unknown) => void): Callback =>
  (error, value) =>
    error ? reject(fromDynalite(error) ?? error) : resolve(value as T);

/** The tables of one region. */
export class RegionTables {
  readonly store: DynaliteStore;

  constructor(
    readonly region: string,
    readonly accountId: string,
    path: string,
  ) {
    mkdirSync(path, { recursive: true });
    // Zero delays: dynalite flips CREATING/DELETING/UPDATING on its next tick; `settle` waits for that.
    this.store = dynaliteDb.create({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    this.store.tableDb.awsRegion = region;
    this.store.tableDb.awsAccountId = accountId;
  }

  /** Validates a request as DynamoDB does (dynalite's rules) and returns the data the action will use. */
  validate(operation: string, input: unknown): Record<string, unknown> {
    const action = actions.get(operation);
    if (!action) throw new Error(`dynalite has no ${operation}`);
    try {
      const data = validations.checkTypes(input, action.types);
      validations.checkValidations(data, action.types, action.custom, this.store);
      return data;
    } catch (error) {
      throw fromDynalite(error) ?? error;
    }
  }

  run(operation: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
    const action = actions.get(operation)!;
    return new Promise((resolve, reject) => action.run(this.store, data, callback(resolve, reject)));
  }

  table(name: string): Promise<TableDescription | undefined> {
    return new Promise((resolve, reject) =>
      this.store.getTable(name, false, (error, table) => {
        if (!error) return resolve(table);
        const failure = fromDynalite(error);
        if (failure?.type.endsWith("ResourceNotFoundException")) return resolve(undefined);
        reject(failure ?? error);
      }),
    );
  }

  /** Changes a table's stored description under dynalite's own table lock. */
  updateTable(
    name: string,
    change: (table: TableDescription) => void,
  ): Promise<TableDescription | undefined> {
    const tableDb = this.store.tableDb;
    return new Promise((resolve, reject) =>
      tableDb.lock(name, (release) => {
        const done = release(callback(resolve, reject));
        this.store.getTable(name, false, (error, table) => {
          if (error || !table) return done(undefined, undefined);
          change(table);
          tableDb.put(name, table, (putError) => done(putError, table));
        });
      }),
    );
  }

  /** Waits until dynalite's deferred status change for a table has landed (bounded). */
  async settle(name: string, until: (table: TableDescription | undefined) => boolean): Promise<void> {
    for (let attempt = 0; attempt < 500; attempt += 1) {
      if (until(await this.table(name))) return;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new DynamoError("com.amazon.coral.service#InternalFailure", `table ${name} did not settle`, 500);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.store.lifecycleManager.gracefulClose((error) => (error ? reject(error) : resolve())),
    );
  }
}

const REGION_FOLDER = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/**
 * Before regions, the tables of every region shared one LevelDB directly in <data>/dynamodb/: those are
 * us-east-1's (the default region) and move into its folder the first time the cloud starts.
 */
export function convertSingleRegionLayout(root: string): void {
  if (!existsSync(join(root, "CURRENT"))) return;
  const target = join(root, "us-east-1");
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(root)) {
    if (entry === "us-east-1" || REGION_FOLDER.test(entry)) continue;
    renameSync(join(root, entry), join(target, entry));
  }
}
