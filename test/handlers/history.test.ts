import { expect } from "chai";
import {
  GLOBAL_PARTITION_VALUE,
  historyTableDefinition,
  itemToRecord,
  recordToItem,
} from "../../handlers/common/history.ts";

describe("history record mapping", () => {
  it("round-trips a record through its DynamoDB item, with the global-index constant", () => {
    const record = {
      bucketName: "b",
      timestamp: 1_700_000_000_123,
      totalSize: 27,
      objectCount: 1,
      recordedAt: "2023-11-14T22:13:20.123Z",
      trigger: { eventName: "ObjectCreated:Put", objectKey: "assignment1.txt", sequencer: "0A" },
    };
    const item = recordToItem(record);
    expect(item.all).to.deep.equal({ S: GLOBAL_PARTITION_VALUE });
    expect(item.timestamp).to.deep.equal({ N: "1700000000123" });
    expect(itemToRecord(item)).to.deep.equal(record);
  });

  it("defines both size indexes on total_size", () => {
    const definition = historyTableDefinition("t");
    expect(definition.GlobalSecondaryIndexes.map((index) => index.KeySchema[1]?.AttributeName)).to.deep.equal(
      ["total_size", "total_size"],
    );
  });
});
