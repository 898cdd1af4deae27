// Adding and removing global secondary indexes with UpdateTable, which dynalite ignores: a new index is
// CREATING (Backfilling) while the existing items are indexed and the table is UPDATING, then ACTIVE after
// a short realistic time; reading it before then fails as on AWS. A removed index is DELETING, then gone.
// Work left unfinished when the cloud stopped resumes when it starts again.
import {
  callback,
  dynaliteDb,
  type IndexDescription,
  type RegionTables,
  type TableDescription,
} from "./engine.ts";
import { limitExceeded, resourceInUse, resourceNotFound, validationError } from "./errors.ts";

interface IndexUpdate {
  Create?: {
    IndexName?: string;
    KeySchema?: Array<{ AttributeName?: string; KeyType?: string }>;
    Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] };
    ProvisionedThroughput?: { ReadCapacityUnits?: number; WriteCapacityUnits?: number };
  };
  Delete?: { IndexName?: string };
  Update?: unknown;
}

const INDEX_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
const PAY_PER_REQUEST_THROUGHPUT =
  "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST";

/** The Create and Delete entries of an UpdateTable request (Update entries stay dynalite's). */
export function indexChanges(input: Record<string, unknown>): IndexUpdate[] {
  const updates = Array.isArray(input.GlobalSecondaryIndexUpdates)
    ? (input.GlobalSecondaryIndexUpdates as IndexUpdate[])
    : [];
  return updates.filter((update) => update && (update.Create || update.Delete));
}

export function changeInProgress(table: TableDescription): void {
  if (table.TableStatus === "CREATING") {
    throw resourceInUse(
      `Attempt to change a resource which is still in use: Table is being created: ${table.TableName}`,
    );
  }
  const busy = table.GlobalSecondaryIndexes?.find(
    (index) => index.IndexStatus && index.IndexStatus !== "ACTIVE",
  );
  if (busy) {
    throw resourceInUse(
      `Attempt to change a resource which is still in use: Index is being updated.  Table: ${table.TableName} Index: ${busy.IndexName}`,
    );
  }
  if (table.TableStatus !== "ACTIVE") {
    throw resourceInUse(
      `Attempt to change a resource which is still in use: Table is being updated: ${table.TableName}`,
    );
  }
}

function newIndex(
  table: TableDescription,
  create: NonNullable<IndexUpdate["Create"]>,
  definitions: Array<{ AttributeName: string; AttributeType: string }>,
  region: string,
  accountId: string,
): IndexDescription {
  const name = create.IndexName ?? "";
  if (!INDEX_NAME.test(name)) {
    throw validationError(
      `1 validation error detected: Value '${name}' at 'globalSecondaryIndexUpdates.1.member.create.indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
    );
  }
  const exists = [...(table.GlobalSecondaryIndexes ?? []), ...(table.LocalSecondaryIndexes ?? [])].some(
    (index) => index.IndexName === name,
  );
  if (exists) throw validationError("Attempting to create an index which already exists");
  const keys = create.KeySchema ?? [];
  const shapeOk =
    keys.length >= 1 &&
    keys.length <= 2 &&
    keys[0]?.KeyType === "HASH" &&
    (keys.length === 1 || keys[1]?.KeyType === "RANGE");
  if (!shapeOk) throw validationError("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  if (
    !keys.every((key) => definitions.some((definition) => definition.AttributeName === key.AttributeName))
  ) {
    throw validationError("Invalid KeySchema: Some index key attribute have no definition");
  }
  const projection = create.Projection ?? {};
  if (!["ALL", "KEYS_ONLY", "INCLUDE"].includes(projection.ProjectionType ?? "")) {
    throw validationError("One or more parameter values were invalid: Unknown ProjectionType");
  }
  if (projection.ProjectionType !== "INCLUDE" && projection.NonKeyAttributes) {
    throw validationError(
      "One or more parameter values were invalid: ProjectionType is " +
        `${projection.ProjectionType}, but NonKeyAttributes is specified`,
    );
  }
  const onDemand = table.BillingModeSummary?.BillingMode === "PAY_PER_REQUEST";
  const throughput = create.ProvisionedThroughput;
  if (onDemand && throughput) throw validationError(PAY_PER_REQUEST_THROUGHPUT);
  if (!onDemand && !throughput) {
    throw validationError(
      `One or more parameter values were invalid: ProvisionedThroughput is not specified for index: ${name}`,
    );
  }
  return {
    IndexName: name,
    KeySchema: keys.map((key) => ({ AttributeName: key.AttributeName!, KeyType: key.KeyType! })),
    Projection: projection,
    IndexStatus: "CREATING",
    Backfilling: true,
    ProvisionedThroughput: {
      ReadCapacityUnits: throughput?.ReadCapacityUnits ?? 0,
      WriteCapacityUnits: throughput?.WriteCapacityUnits ?? 0,
      NumberOfDecreasesToday: 0,
    },
    IndexSizeBytes: 0,
    ItemCount: 0,
    IndexArn: `arn:aws:dynamodb:${region}:${accountId}:table/${table.TableName}/index/${name}`,
  };
}

/** Key attributes the table and its remaining indexes still use; DynamoDB keeps only those defined. */
function usedDefinitions(table: TableDescription) {
  const used = new Set(
    [table, ...(table.GlobalSecondaryIndexes ?? []), ...(table.LocalSecondaryIndexes ?? [])].flatMap((part) =>
      part.KeySchema.map((key) => key.AttributeName),
    ),
  );
  return table.AttributeDefinitions.filter((definition) => used.has(definition.AttributeName));
}

export class IndexBuilder {
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly tables: RegionTables,
    private readonly backfillMs: () => number,
  ) {}

  /** Applies one Create or Delete; returns the table description UpdateTable answers with. */
  async apply(
    name: string,
    input: Record<string, unknown>,
    changes: IndexUpdate[],
  ): Promise<TableDescription> {
    if (changes.length > 1) {
      throw limitExceeded(
        "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table",
      );
    }
    const change = changes[0]!;
    const current = await this.tables.table(name);
    if (!current) throw resourceNotFound(`Requested resource not found: Table: ${name} not found`);
    changeInProgress(current);
    const requested = Array.isArray(input.AttributeDefinitions)
      ? (input.AttributeDefinitions as Array<{ AttributeName: string; AttributeType: string }>)
      : [];
    for (const definition of requested) {
      const existing = current.AttributeDefinitions.find(
        (known) => known.AttributeName === definition.AttributeName,
      );
      if (existing && existing.AttributeType !== definition.AttributeType) {
        throw validationError(
          `One or more parameter values were invalid: Some AttributeDefinitions are not valid. Cannot change the type of attribute ${definition.AttributeName}`,
        );
      }
    }
    const definitions = [
      ...current.AttributeDefinitions,
      ...requested.filter(
        (definition) =>
          !current.AttributeDefinitions.some((known) => known.AttributeName === definition.AttributeName),
      ),
    ];
    let planned: IndexDescription | undefined;
    if (change.Create) {
      planned = newIndex(current, change.Create, definitions, this.tables.region, this.tables.accountId);
    } else if (
      !current.GlobalSecondaryIndexes?.some((index) => index.IndexName === change.Delete?.IndexName)
    ) {
      throw resourceNotFound(
        `Requested resource not found: Index: ${change.Delete?.IndexName ?? ""} not found`,
      );
    }
    const updated = await this.tables.updateTable(name, (table) => {
      table.TableStatus = "UPDATING";
      if (planned) {
        table.AttributeDefinitions = definitions;
        table.GlobalSecondaryIndexes = [...(table.GlobalSecondaryIndexes ?? []), planned];
      } else {
        const doomed = table.GlobalSecondaryIndexes?.find(
          (index) => index.IndexName === change.Delete?.IndexName,
        );
        if (doomed) doomed.IndexStatus = "DELETING";
      }
    });
    this.resume(updated!);
    return updated!;
  }

  /** Finishes whatever index work a table has pending (a fresh change, or one cut short by a restart). */
  resume(table: TableDescription): void {
    const creating = table.GlobalSecondaryIndexes?.find((index) => index.IndexStatus === "CREATING");
    const deleting = table.GlobalSecondaryIndexes?.find((index) => index.IndexStatus === "DELETING");
    if (!creating && !deleting) return;
    const started = Date.now();
    const job = (async () => {
      if (creating) await this.backfill(table, creating);
      await this.wait(Math.max(0, this.backfillMs() - (Date.now() - started)));
      if (this.closed) return;
      if (creating) await this.finishCreate(table.TableName, creating);
      else if (deleting) await this.finishDelete(table.TableName, deleting.IndexName);
    })().catch(() => {
      // The store closed under the job; the next start resumes it.
    });
    this.pending.add(job);
    void job.finally(() => this.pending.delete(job));
  }

  private wait(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, ms);
      this.waits.set(timer, resolve);
    });
  }

  /** Indexes every existing item, each under its item lock so a concurrent write cannot be undone. */
  private async backfill(table: TableDescription, index: IndexDescription): Promise<void> {
    const itemDb = this.tables.store.getItemDb(table.TableName);
    const indexDb = this.tables.store.getIndexDb("global", table.TableName, index.IndexName);
    const keys: string[] = [];
    for await (const item of itemDb.createValueStream()) keys.push(dynaliteDb.createKey(item, table));
    for (const key of keys) {
      await new Promise<void>((resolve, reject) =>
        itemDb.lock(key, (release) => {
          const done = release(callback<void>(resolve, reject));
          itemDb.get(key, (error, item) => {
            if (error) return done(undefined);
            const { puts } = dynaliteDb.getIndexActions([index], null, item, table);
            if (puts.length === 0) return done(undefined);
            indexDb.put(puts[0]!.key, puts[0]!.item, (putError) => done(putError));
          });
        }),
      );
    }
  }

  private async finishCreate(name: string, created: IndexDescription): Promise<void> {
    await this.tables.updateTable(name, (table) => {
      const index = table.GlobalSecondaryIndexes?.find(
        (candidate) => candidate.IndexName === created.IndexName,
      );
      if (!index) return;
      index.IndexStatus = "ACTIVE";
      delete index.Backfilling;
      table.TableStatus = "ACTIVE";
    });
  }

  private async finishDelete(name: string, indexName: string): Promise<void> {
    await new Promise((resolve, reject) =>
      this.tables.store.deleteIndexDb("global", name, indexName, callback(resolve, reject)),
    );
    await this.tables.updateTable(name, (table) => {
      table.GlobalSecondaryIndexes = table.GlobalSecondaryIndexes?.filter(
        (index) => index.IndexName !== indexName,
      );
      if (table.GlobalSecondaryIndexes?.length === 0) delete table.GlobalSecondaryIndexes;
      table.AttributeDefinitions = usedDefinitions(table);
      table.TableStatus = "ACTIVE";
    });
  }

  /** Stops waiting and lets running work finish, so nothing writes to a closed store. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [timer, resolve] of this.waits) {
      clearTimeout(timer);
      resolve();
    }
    this.waits.clear();
    await Promise.all(this.pending);
  }
}
