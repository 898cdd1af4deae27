// `s3size logs <function>`: a function's recent log events (FilterLogEvents), optionally followed.
import { type FilteredLogEvent, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { FUNCTION_KEYS, type FunctionKey, parseSince } from "../config.ts";
import { awsErrorName, UserError } from "../errors.ts";
import { sleep } from "../retry.ts";
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

export const logsCommand: CommandSpec = {
  name: "logs",
  summary: "print a function's recent log events",
  argument: { name: "<function>", description: `${FUNCTION_KEYS.join(", ")} (or the full function name)` },
  options: [
    {
      flags: "--since <when>",
      description: "from then: 10m, 2h, 1d, an ISO date or epoch ms",
      default: "10m",
    },
    { flags: "--follow", description: "keep printing new events until interrupted" },
  ],
  async run(session, options, argument) {
    const { output } = session;
    const since = parseSince(String(options.since ?? "10m"));
    const names = await session.names();
    const group = names.logGroups[functionKeyOf(String(argument), names.functions)];
    const print = (event: FilteredLogEvent) =>
      output.line(
        `${new Date(event.timestamp ?? 0).toISOString()} ${event.logStreamName ?? ""} ${(event.message ?? "").trimEnd()}`,
      );
    const events = await readEvents(session, group, since);
    if (!options.follow) {
      output.result({ logGroup: group, events }, () => {
        if (events.length === 0) output.line(`no events in ${group} since ${new Date(since).toISOString()}`);
        events.forEach(print);
      });
      return 0;
    }
    events.forEach(print);
    const seen = new Set(events.map((event) => event.eventId));
    let from = Math.max(since, ...events.map((event) => event.timestamp ?? 0));
    let stopped = false;
    const stop = () => {
      stopped = true;
    };
    process.once("SIGINT", stop);
    try {
      while (!stopped) {
        await sleep(2000);
        for (const event of await readEvents(session, group, from)) {
          if (seen.has(event.eventId)) continue;
          seen.add(event.eventId);
          from = Math.max(from, event.timestamp ?? 0);
          print(event);
        }
      }
    } finally {
      process.off("SIGINT", stop);
    }
    return 0;
  },
};
