// `s3size logs <function>`: a function's recent log events (FilterLogEvents), optionally followed; with
// --json one document, or with --follow one JSON object per line (NDJSON) and nothing else on stdout.

import { setTimeout as sleep } from "node:timers/promises";
import { type FilteredLogEvent, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { FUNCTION_KEYS, type FunctionKey } from "../config.ts";
import { awsErrorName, UserError } from "../errors.ts";
import { parseSince } from "../flag-values.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./types.ts";

/** Accepts the short name (driver) or the full one (s3size-driver). */
export function functionKeyOf(argument: string, names: Record<FunctionKey, string>): FunctionKey {
  const key = FUNCTION_KEYS.find((k) => k === argument || names[k] === argument);
  if (!key) throw new UserError(`unknown function "${argument}"`, `use one of ${FUNCTION_KEYS.join(", ")}`);
  return key;
}

async function readEvents(session: Session, group: string, startTime: number): Promise<FilteredLogEvent[]> {
  const events: FilteredLogEvent[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await session.clients.logs.send(
        new FilterLogEventsCommand({ logGroupName: group, startTime, nextToken }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    if (awsErrorName(error) === "ResourceNotFoundException") {
      throw new UserError(`log group ${group} does not exist`, "run s3size setup first", { cause: error });
    }
    throw error;
  }
  return events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

/** One event as a JSON line of `logs --follow --json` (and an item of `logs --json`). */
function eventDocument(group: string, event: FilteredLogEvent) {
  return {
    logGroup: group,
    logStream: event.logStreamName,
    timestamp: event.timestamp,
    time: new Date(event.timestamp ?? 0).toISOString(),
    message: (event.message ?? "").trimEnd(),
    eventId: event.eventId,
  };
}

const FOLLOW_POLL_MS = 2000;

export const logsCommand: CommandSpec = {
  argument: { name: "<function>", description: `${FUNCTION_KEYS.join(", ")} (or the full function name)` },
  options: [
    {
      flags: "--since <when>",
      description: "from then: 10m, 2h, 1d, an ISO date or epoch ms",
      default: "10m",
    },
    {
      flags: "--follow",
      description: "keep printing new events until interrupted (with --json: one JSON object per line)",
    },
  ],
  async run(session, options, argument) {
    const { output } = session;
    const since = parseSince(String(options.since ?? "10m"));
    const names = await session.names();
    const group = names.logGroups[functionKeyOf(String(argument), names.functions)];
    const print = (event: FilteredLogEvent) => {
      const doc = eventDocument(group, event);
      output.item(doc, `${doc.time} ${doc.logStream ?? ""} ${doc.message}`);
    };
    const events = await readEvents(session, group, since);
    if (!options.follow) {
      output.result({ logGroup: group, events: events.map((event) => eventDocument(group, event)) }, () => {
        if (events.length === 0) output.line(`no events in ${group} since ${new Date(since).toISOString()}`);
        events.forEach(print);
      });
      return 0;
    }
    events.forEach(print);
    // Each read starts at the newest timestamp seen, so it returns that event again: skip what an
    // earlier read printed. By content rather than eventId, which some emulators number per query;
    // two events alike in stream, time, ingestion and text came in one batch, so one read has both.
    const keyOf = (event: FilteredLogEvent) =>
      `${event.logStreamName}\0${event.timestamp}\0${event.ingestionTime}\0${event.message}`;
    const printed = new Map(events.map((event) => [keyOf(event), event.timestamp ?? 0]));
    let from = Math.max(since, ...events.map((event) => event.timestamp ?? 0));
    // Ctrl-C, or the reader of the output going away (`| head`), ends the stream.
    const stop = new AbortController();
    const interrupt = () => stop.abort();
    process.once("SIGINT", interrupt);
    output.gone.addEventListener("abort", interrupt);
    try {
      while (!stop.signal.aborted) {
        await sleep(FOLLOW_POLL_MS, undefined, { signal: stop.signal }).catch(() => {});
        if (stop.signal.aborted) break;
        const fresh = (await readEvents(session, group, from)).filter((event) => !printed.has(keyOf(event)));
        for (const event of fresh) {
          printed.set(keyOf(event), event.timestamp ?? 0);
          from = Math.max(from, event.timestamp ?? 0);
          print(event);
        }
        // Reads start at `from`: what is older cannot come back.
        for (const [key, timestamp] of printed) if (timestamp < from) printed.delete(key);
      }
    } finally {
      process.off("SIGINT", interrupt);
      output.gone.removeEventListener("abort", interrupt);
    }
    return 0;
  },
};
