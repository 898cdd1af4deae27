// A function's recent invocations, as the Lambda console's Monitor tab lists them: read from the REPORT
// line Lambda writes to the function's log group at the end of every invocation.
import { type CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";

export interface Invocation {
  timestamp: number;
  requestId: string;
  duration?: string;
  billedDuration?: string;
  maxMemoryUsed?: string;
  initDuration?: string;
  /** "Succeeded", or what the REPORT line's Status says (error, timeout). */
  status: string;
}

const SHOWN = 20;
const LOOKBACK_MS = 24 * 60 * 60 * 1000;
const MAX_PAGES = 10;

/** Reads one REPORT line ("REPORT RequestId: …\tDuration: 1.23 ms\t…"), or undefined for any other line. */
export function parseReportLine(message: string, timestamp: number): Invocation | undefined {
  const line = message.trim();
  if (!line.startsWith("REPORT RequestId:")) return undefined;
  const fields = new Map<string, string>();
  for (const part of line.slice("REPORT ".length).split("\t")) {
    const colon = part.indexOf(":");
    if (colon > 0) fields.set(part.slice(0, colon).trim(), part.slice(colon + 1).trim());
  }
  const requestId = fields.get("RequestId");
  if (!requestId) return undefined;
  const optional = (name: string) => fields.get(name);
  const duration = optional("Duration");
  const billed = optional("Billed Duration");
  const memory = optional("Max Memory Used");
  const init = optional("Init Duration");
  const outcome = optional("Status");
  return {
    timestamp,
    requestId,
    ...(duration ? { duration } : {}),
    ...(billed ? { billedDuration: billed } : {}),
    ...(memory ? { maxMemoryUsed: memory } : {}),
    ...(init ? { initDuration: init } : {}),
    status: outcome ? outcome.charAt(0).toUpperCase() + outcome.slice(1) : "Succeeded",
  };
}

/** The newest invocations of the last day, newest first; none when the log group does not exist yet. */
export async function recentInvocations(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  now = Date.now(),
): Promise<Invocation[]> {
  const found: Invocation[] = [];
  let nextToken: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const answer = await logs.send(
        new FilterLogEventsCommand({
          logGroupName,
          startTime: now - LOOKBACK_MS,
          filterPattern: '"REPORT RequestId"',
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const event of answer.events ?? []) {
        const invocation = parseReportLine(event.message ?? "", event.timestamp ?? 0);
        if (invocation) found.push(invocation);
      }
      nextToken = answer.nextToken;
      if (!nextToken) break;
    }
  } catch (error) {
    if ((error as { name?: string }).name === "ResourceNotFoundException") return [];
    throw error;
  }
  return found.sort((a, b) => b.timestamp - a.timestamp).slice(0, SHOWN);
}
