// DynamoDB's Time to Live settings, which dynalite lacks (it always describes TTL as DISABLED and has no
// UpdateTimeToLive): the setting is kept in the table's stored description, under a field DescribeTable
// never shows, so it lives and dies with the table. Items are not expired: AWS deletes expired items
// "within a few days", so nothing may rely on their removal, and the tracker does not.
import type { TableDescription } from "./engine.ts";
import { resourceNotFound, validationError } from "./errors.ts";
import type { DynamoOperation, Input } from "./operations.ts";

/** Where the setting is stored in a table's description; `withoutTimeToLive` strips it from answers. */
const STORED_FIELD = "s3sizeTimeToLive";

interface StoredTimeToLive {
  attributeName: string;
  enabled: boolean;
}

export function withoutTimeToLive(table: TableDescription): TableDescription {
  delete table[STORED_FIELD];
  return table;
}

const notNull = (path: string) =>
  `1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`;

/** The request's specification checked as DynamoDB checks it, before the table is looked up. */
function specification(input: Input): StoredTimeToLive {
  const spec = input.TimeToLiveSpecification as { Enabled?: unknown; AttributeName?: unknown } | undefined;
  if (spec === undefined || spec === null) throw validationError(notNull("timeToLiveSpecification"));
  if (spec.AttributeName === undefined || spec.AttributeName === null)
    throw validationError(notNull("timeToLiveSpecification.attributeName"));
  if (spec.Enabled === undefined || spec.Enabled === null)
    throw validationError(notNull("timeToLiveSpecification.enabled"));
  const name = String(spec.AttributeName);
  if (name.length < 1 || name.length > 255) {
    const bound = name.length < 1 ? "greater than or equal to 1" : "less than or equal to 255";
    throw validationError(
      `1 validation error detected: Value '${name}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  return { attributeName: name, enabled: spec.Enabled === true };
}

const tableNameOf = (input: Input) => String(input.TableName ?? "");

export const TIME_TO_LIVE_OPERATIONS: Record<string, DynamoOperation> = {
  DescribeTimeToLive: {
    iam: (input, arn) => ({ action: "dynamodb:DescribeTimeToLive", resources: [arn.table(input.TableName)] }),
    async run(_input, { table }) {
      const current = await table();
      if (!current) throw resourceNotFound();
      const stored = current[STORED_FIELD] as StoredTimeToLive | undefined;
      return {
        TimeToLiveDescription: stored?.enabled
          ? { TimeToLiveStatus: "ENABLED", AttributeName: stored.attributeName }
          : { TimeToLiveStatus: "DISABLED" },
      };
    },
  },
  UpdateTimeToLive: {
    validate(input, tables) {
      // The table name by dynalite's own rules (DescribeTimeToLive's are the same), then the specification.
      tables.validate("DescribeTimeToLive", { TableName: input.TableName });
      specification(input);
      return input;
    },
    iam: (input, arn) => ({ action: "dynamodb:UpdateTimeToLive", resources: [arn.table(input.TableName)] }),
    async run(input, { tables, table }) {
      const wanted = specification(input);
      const current = await table();
      if (!current) throw resourceNotFound();
      const stored = current[STORED_FIELD] as StoredTimeToLive | undefined;
      // UpdateTimeToLive is not idempotent on AWS: a request that changes nothing is refused, and an
      // enabled setting changes its attribute only through a disable.
      if (wanted.enabled && stored?.enabled) throw validationError("TimeToLive is already enabled");
      if (!wanted.enabled && !stored?.enabled) throw validationError("TimeToLive is already disabled");
      await tables.updateTable(tableNameOf(input), (description) => {
        description[STORED_FIELD] = wanted;
      });
      return { TimeToLiveSpecification: { Enabled: wanted.enabled, AttributeName: wanted.attributeName } };
    },
  },
};
