// DynamoDB as the AWS console shows it: the tables, and one table's overview (key schema, capacity mode,
// item count), its indexes, and "Explore items" — a Scan page of 25 items with an opaque cursor.
import {
  type AttributeValue,
  DescribeTableCommand,
  type KeySchemaElement,
  ListTablesCommand,
  ScanCommand,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { html } from "../../../handlers/common/html.ts";
import { allPages, settle, shown } from "../outcome.ts";
import { type ConsolePage, type PageRequest, requiredParam } from "../page.ts";
import { bytes, consoleHref, keyValues, link, resourceCrumbs, section, status, table, time } from "../ui.ts";

const ITEMS_PER_PAGE = 25;

function keyOf(
  schema: KeySchemaElement[] | undefined,
  type: "HASH" | "RANGE",
  definitions?: TableDescription["AttributeDefinitions"],
): string | undefined {
  const name = schema?.find((element) => element.KeyType === type)?.AttributeName;
  if (!name) return undefined;
  const kind = definitions?.find((definition) => definition.AttributeName === name)?.AttributeType;
  return kind ? `${name} (${kind === "S" ? "String" : kind === "N" ? "Number" : "Binary"})` : name;
}

function tableStatus(value: string | undefined) {
  return status(value, value === "ACTIVE" ? "good" : value?.includes("FAIL") ? "bad" : "warn");
}

export async function tablesPage(request: PageRequest): Promise<ConsolePage> {
  const dynamodb = request.clients(request.region).dynamodb;
  const names = await allPages(
    () => dynamodb.send(new ListTablesCommand({})),
    (token) => dynamodb.send(new ListTablesCommand({ ExclusiveStartTableName: token })),
    (page) => ({ items: page.TableNames, token: page.LastEvaluatedTableName }),
  );
  const described = await Promise.all(
    names.map((TableName) => settle(dynamodb.send(new DescribeTableCommand({ TableName })))),
  );
  const rows = names.map((name, index) => {
    const outcome = described[index]!;
    const description = outcome.ok ? outcome.value.Table : undefined;
    return [
      link(consoleHref("dynamodb/table", { name, region: request.region }), name),
      tableStatus(description?.TableStatus),
      keyOf(description?.KeySchema, "HASH"),
      keyOf(description?.KeySchema, "RANGE"),
      String(description?.GlobalSecondaryIndexes?.length ?? 0),
      description?.BillingModeSummary?.BillingMode === "PAY_PER_REQUEST" ? "On-demand" : "Provisioned",
    ];
  });
  return {
    title: "Tables",
    breadcrumbs: [{ label: "DynamoDB" }],
    body: table({
      caption: `Tables (${names.length}) in ${request.region}`,
      headers: ["Name", "Status", "Partition key", "Sort key", "Indexes", "Capacity mode"],
      rows,
      empty: `No tables in ${request.region}.`,
    }),
  };
}

/** One attribute value as the console's item list shows it: strings and numbers plain, the rest as JSON. */
export function attributeText(value: AttributeValue | undefined): string {
  if (!value) return "";
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return value.N;
  if (value.BOOL !== undefined) return String(value.BOOL);
  if (value.NULL !== undefined) return "null";
  if (value.B !== undefined) return Buffer.from(value.B).toString("base64");
  if (value.SS !== undefined) return JSON.stringify(value.SS);
  if (value.NS !== undefined) return JSON.stringify(value.NS);
  if (value.L !== undefined) return JSON.stringify(value.L.map(attributeText));
  if (value.M !== undefined) {
    return JSON.stringify(
      Object.fromEntries(Object.entries(value.M).map(([key, item]) => [key, attributeText(item)])),
    );
  }
  return JSON.stringify(value);
}

function encodeStartKey(key: Record<string, AttributeValue>): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

function decodeStartKey(cursor: string | null): Record<string, AttributeValue> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    return typeof key === "object" && key !== null && !Array.isArray(key)
      ? (key as Record<string, AttributeValue>)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function tablePage(request: PageRequest): Promise<ConsolePage> {
  const name = requiredParam(request, "name");
  const dynamodb = request.clients(request.region).dynamodb;
  const { Table: description = {} } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
  const startKey = decodeStartKey(request.params.get("cursor"));
  const scan = await settle(
    dynamodb.send(
      new ScanCommand({
        TableName: name,
        Limit: ITEMS_PER_PAGE,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    ),
  );
  const keyNames = (description.KeySchema ?? []).map((element) => element.AttributeName!);
  const definitions = description.AttributeDefinitions;
  const indexes = [
    ...(description.GlobalSecondaryIndexes ?? []).map((index) => ({ ...index, kind: "Global" })),
    ...(description.LocalSecondaryIndexes ?? []).map((index) => ({
      ...index,
      kind: "Local",
      IndexStatus: "ACTIVE",
    })),
  ];
  const here = (cursor?: string) => consoleHref("dynamodb/table", { name, region: request.region, cursor });

  const items = shown(scan, "items", (page) => {
    const found = page.Items ?? [];
    const others = [...new Set(found.flatMap((item) => Object.keys(item)))]
      .filter((attribute) => !keyNames.includes(attribute))
      .sort();
    const columns = [...keyNames, ...others];
    const next = page.LastEvaluatedKey ? encodeStartKey(page.LastEvaluatedKey) : undefined;
    return html`${table({
      caption: `Items returned (${found.length})`,
      headers: columns,
      rows: found.map((item) => columns.map((column) => attributeText(item[column]))),
      empty: "The table has no items.",
    })}
<nav class="pager" aria-label="Item pages">${startKey ? link(here(), "First page") : ""} ${next ? link(here(next), "Next page") : ""}</nav>`;
  });

  return {
    title: name,
    breadcrumbs: resourceCrumbs(
      { label: "DynamoDB", page: "dynamodb" },
      { label: "Tables" },
      name,
      request.region,
    ),
    body: html`${section(
      "overview",
      "General information",
      keyValues([
        ["Partition key", keyOf(description.KeySchema, "HASH", definitions)],
        ["Sort key", keyOf(description.KeySchema, "RANGE", definitions)],
        [
          "Capacity mode",
          description.BillingModeSummary?.BillingMode === "PAY_PER_REQUEST" ? "On-demand" : "Provisioned",
        ],
        ["Table status", tableStatus(description.TableStatus)],
        ["Item count", description.ItemCount === undefined ? undefined : String(description.ItemCount)],
        ["Table size", bytes(description.TableSizeBytes)],
        ["Creation date", time(description.CreationDateTime)],
        ["Amazon Resource Name (ARN)", description.TableArn],
      ]),
    )}
${section(
  "indexes",
  "Indexes",
  table({
    caption: `Secondary indexes (${indexes.length})`,
    headers: ["Name", "Type", "Status", "Partition key", "Sort key", "Projected attributes", "Item count"],
    rows: indexes.map((index) => [
      index.IndexName,
      index.kind,
      tableStatus(index.IndexStatus),
      keyOf(index.KeySchema, "HASH", definitions),
      keyOf(index.KeySchema, "RANGE", definitions),
      index.Projection?.ProjectionType === "INCLUDE"
        ? `Include: ${(index.Projection.NonKeyAttributes ?? []).join(", ")}`
        : (index.Projection?.ProjectionType ?? "ALL"),
      index.ItemCount === undefined ? "" : String(index.ItemCount),
    ]),
    empty: "No secondary indexes.",
  }),
)}
${section("items", "Explore items", items, `Scan of ${name}, ${ITEMS_PER_PAGE} items a page.`)}`,
  };
}
