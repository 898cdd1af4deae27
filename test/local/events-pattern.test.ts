import { expect } from "chai";
import { matchesPattern, PatternError, parsePattern } from "../../local/events/pattern.ts";
import { nextFire, parseSchedule } from "../../local/events/schedule.ts";
import { selectPath, targetInput } from "../../local/events/targets.ts";

const s3Event = {
  version: "0",
  id: "1",
  "detail-type": "Object Created",
  source: "aws.s3",
  account: "000000000000",
  time: "2026-01-01T00:00:00Z",
  region: "us-east-1",
  resources: ["arn:aws:s3:::data"],
  detail: {
    bucket: { name: "data" },
    object: { key: "logs/2026/a.txt", size: 27 },
    reason: "PutObject",
    "source-ip-address": "10.0.1.7",
    tags: ["a", "b"],
  },
};
const matches = (pattern: object, event: unknown = s3Event) =>
  matchesPattern(parsePattern(JSON.stringify(pattern), { wildcard: true }), event);
const refusal = (pattern: unknown, rules = { wildcard: true }) => {
  try {
    parsePattern(JSON.stringify(pattern), rules);
  } catch (error) {
    if (error instanceof PatternError) return error.message;
    throw error;
  }
  return undefined;
};

describe("event patterns and filter policies", () => {
  it("matches exact values, in nested fields and against arrays", () => {
    expect(matches({ source: ["aws.s3"], "detail-type": ["Object Created", "Object Deleted"] })).to.equal(
      true,
    );
    expect(matches({ detail: { bucket: { name: ["data"] } } })).to.equal(true);
    expect(matches({ detail: { bucket: { name: ["other"] } } })).to.equal(false);
    expect(matches({ detail: { tags: ["b"] } })).to.equal(true);
    expect(matches({ detail: { object: { size: [27] } } })).to.equal(true);
    expect(matches({ detail: { object: { size: ["27"] } } })).to.equal(false);
  });

  it("matches prefix, suffix, equals-ignore-case, wildcard and cidr", () => {
    expect(matches({ detail: { object: { key: [{ prefix: "logs/" }] } } })).to.equal(true);
    expect(matches({ detail: { object: { key: [{ suffix: ".txt" }] } } })).to.equal(true);
    expect(matches({ detail: { object: { key: [{ suffix: { "equals-ignore-case": ".TXT" } }] } } })).to.equal(
      true,
    );
    expect(matches({ detail: { reason: [{ "equals-ignore-case": "putobject" }] } })).to.equal(true);
    expect(matches({ detail: { object: { key: [{ wildcard: "logs/*/a.txt" }] } } })).to.equal(true);
    expect(matches({ detail: { object: { key: [{ wildcard: "logs/*/b.txt" }] } } })).to.equal(false);
    expect(matches({ detail: { "source-ip-address": [{ cidr: "10.0.0.0/16" }] } })).to.equal(true);
    expect(matches({ detail: { "source-ip-address": [{ cidr: "10.1.0.0/16" }] } })).to.equal(false);
  });

  it("matches anything-but, numeric ranges and exists", () => {
    expect(matches({ detail: { reason: [{ "anything-but": ["DeleteObject"] }] } })).to.equal(true);
    expect(matches({ detail: { reason: [{ "anything-but": "PutObject" }] } })).to.equal(false);
    expect(matches({ detail: { object: { key: [{ "anything-but": { prefix: "logs/" } }] } } })).to.equal(
      false,
    );
    expect(matches({ detail: { object: { size: [{ numeric: [">", 0, "<=", 27] }] } } })).to.equal(true);
    expect(matches({ detail: { object: { size: [{ numeric: [">=", 28] }] } } })).to.equal(false);
    expect(matches({ detail: { object: { etag: [{ exists: false }] } } })).to.equal(true);
    expect(matches({ detail: { object: { key: [{ exists: true }] } } })).to.equal(true);
    expect(matches({ detail: { missing: { deeper: [{ exists: false }] } } })).to.equal(true);
    expect(
      matches({ detail: { reason: [{ "anything-but": "x" }], missing: [{ "anything-but": "x" }] } }),
    ).to.equal(false);
  });

  it("matches any alternative of $or", () => {
    const pattern = {
      source: ["aws.s3"],
      $or: [
        { detail: { reason: ["CopyObject"] } },
        { detail: { object: { size: [{ numeric: [">", 10] }] } } },
      ],
    };
    expect(matches(pattern)).to.equal(true);
    expect(matches({ $or: [{ source: ["a"] }, { source: ["b"] }] })).to.equal(false);
  });

  it("refuses malformed patterns with EventBridge's reasons", () => {
    expect(refusal(["not", "an", "object"])).to.equal("Filter is not an object");
    expect(refusal({ source: "aws.s3" })).to.equal('"source" must be an object or an array');
    expect(refusal({ source: [] })).to.equal("Empty arrays are not allowed");
    expect(refusal({ source: [{ NUMERIC: [">", 1] }] })).to.equal("Unrecognized match type NUMERIC");
    expect(refusal({ size: [{ numeric: [">", "one"] }] })).to.equal("Value of > must be numeric");
    expect(refusal({ key: [{ prefix: 1 }] })).to.equal("prefix match pattern must be a string");
    expect(refusal({ key: [{ wildcard: "a**b" }] })).to.equal("Consecutive wildcard characters at pos 2");
    expect(refusal({ key: [{ "anything-but": [] }] })).to.equal(
      "Value of anything-but must be an array or single string/number value.",
    );
    expect(refusal({ key: [{ wildcard: "a*" }] }, { wildcard: false })).to.equal(
      "Unrecognized match type wildcard",
    );
  });
});

describe("schedule expressions", () => {
  const at = (iso: string) => Date.parse(iso);

  it("accepts rate() with a singular unit for 1 only, and six-field cron with one '?'", () => {
    expect(parseSchedule("rate(1 minute)")).to.deep.equal({ kind: "rate", minutes: 1 });
    expect(parseSchedule("rate(2 hours)")).to.deep.equal({ kind: "rate", minutes: 120 });
    expect(parseSchedule("rate(1 minutes)")).to.equal(undefined);
    expect(parseSchedule("rate(0 days)")).to.equal(undefined);
    expect(parseSchedule("cron(0 3 * * ? *)")).to.not.equal(undefined);
    expect(parseSchedule("cron(0 3 * * * *)")).to.equal(undefined);
    expect(parseSchedule("cron(0 3 * *)")).to.equal(undefined);
  });

  it("fires a rate schedule whole periods after the rule was created", () => {
    const rate = parseSchedule("rate(5 minutes)")!;
    expect(nextFire(rate, at("2026-01-01T00:07:00Z"), at("2026-01-01T00:00:30Z"))).to.equal(
      at("2026-01-01T00:10:30Z"),
    );
  });

  it("fires cron schedules on UTC wall-clock minutes: daily, weekdays, last day, nth weekday", () => {
    const next = (expression: string, after: string) =>
      new Date(nextFire(parseSchedule(expression)!, at(after), 0)!).toISOString();
    expect(next("cron(0 3 * * ? *)", "2026-01-01T05:00:00Z")).to.equal("2026-01-02T03:00:00.000Z");
    expect(next("cron(0/15 * * * ? *)", "2026-01-01T05:01:00Z")).to.equal("2026-01-01T05:15:00.000Z");
    expect(next("cron(0 9 ? * MON-FRI *)", "2026-01-02T10:00:00Z")).to.equal("2026-01-05T09:00:00.000Z");
    expect(next("cron(0 0 L * ? *)", "2026-02-03T00:00:00Z")).to.equal("2026-02-28T00:00:00.000Z");
    expect(next("cron(30 12 ? * 6#3 *)", "2026-01-01T00:00:00Z")).to.equal("2026-01-16T12:30:00.000Z");
  });
});

describe("target input", () => {
  const rule = { arn: "arn:aws:events:us-east-1:000000000000:rule/r", name: "r" } as Parameters<
    typeof targetInput
  >[2];
  const target = (extra: object) => ({ Id: "t", Arn: "arn:aws:sqs:us-east-1:000000000000:q", ...extra });

  it("sends the event, a constant, the part at InputPath, or a filled-in template", () => {
    expect(JSON.parse(targetInput(target({}), s3Event as never, rule))).to.deep.equal(s3Event);
    expect(targetInput(target({ Input: '{"fixed":1}' }), s3Event as never, rule)).to.equal('{"fixed":1}');
    expect(
      JSON.parse(targetInput(target({ InputPath: "$.detail.object" }), s3Event as never, rule)),
    ).to.deep.equal(s3Event.detail.object);
    expect(selectPath(s3Event, "$.detail.tags[1]")).to.equal("b");
    const transformed = targetInput(
      target({
        InputTransformer: {
          InputPathsMap: { key: "$.detail.object.key", size: "$.detail.object.size" },
          InputTemplate: '{"key": "<key>", "size": <size>, "rule": "<aws.events.rule-name>"}',
        },
      }),
      s3Event as never,
      rule,
    );
    expect(JSON.parse(transformed)).to.deep.equal({ key: "logs/2026/a.txt", size: 27, rule: "r" });
  });
});
