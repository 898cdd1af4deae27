// The demo's script (SPEC §1, driver) as data, and the runner that plays it with a pause between
// numbered steps, noting when each action happened.

export interface DemoAction {
  /** The SPEC's step number: 1 clears leftovers, 2–5 produce the history 18 → 27 → 0 → 2. */
  step: number;
  action: "put" | "delete";
  key: string;
  /** The object's body, for a put. */
  body?: string;
}

export interface PerformedAction {
  step: number;
  action: "put" | "delete";
  key: string;
  /** Bytes written (0 for a delete). */
  bytes: number;
  /** Epoch ms just before the request was sent. */
  at: number;
}

export const FIRST_KEY = "assignment1.txt";
export const SECOND_KEY = "assignment2.txt";

export function demoSteps(): DemoAction[] {
  return [
    { step: 1, action: "delete", key: FIRST_KEY },
    { step: 1, action: "delete", key: SECOND_KEY },
    { step: 2, action: "put", key: FIRST_KEY, body: "Empty Assignment 1" },
    { step: 3, action: "put", key: FIRST_KEY, body: "Empty Assignment 2222222222" },
    { step: 4, action: "delete", key: FIRST_KEY },
    { step: 5, action: "put", key: SECOND_KEY, body: "33" },
  ];
}

/** What the bucket holds once the script has run, which the tracker's last record must show. */
export function finalState(steps: DemoAction[]): { totalSize: number; objectCount: number } {
  const objects = new Map<string, number>();
  for (const s of steps) {
    if (s.action === "put") objects.set(s.key, Buffer.byteLength(s.body ?? ""));
    else objects.delete(s.key);
  }
  return { totalSize: [...objects.values()].reduce((a, b) => a + b, 0), objectCount: objects.size };
}

/** How many changes the script makes from its first put on: the tracker records one for each. */
export function demoChanges(steps: DemoAction[]): number {
  return steps.length - steps.findIndex((s) => s.action === "put");
}

export interface StepRunner {
  perform: (action: DemoAction) => Promise<void>;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  sleepMs: number;
  log?: (performed: PerformedAction) => void;
  /** Runs once, after the clearing and just before the first put (the driver measures the bucket). */
  beforeFirstPut?: () => Promise<void>;
}

export interface ScriptRun {
  performed: PerformedAction[];
  /** Just before the first put: records from here on are the demo's history. */
  startedAt: number;
  /** Just before the last put: a record from here on reflects the final state. */
  lastPutAt: number;
  /** Just after the clearing of step 1 returned (undefined when nothing came before the first put). */
  clearedAt?: number;
}

export async function runScript(steps: DemoAction[], runner: StepRunner): Promise<ScriptRun> {
  const performed: PerformedAction[] = [];
  let startedAt: number | undefined;
  let lastPutAt: number | undefined;
  let clearedAt: number | undefined;
  for (const [i, action] of steps.entries()) {
    if (i > 0 && steps[i - 1]!.step !== action.step) await runner.sleep(runner.sleepMs);
    if (action.action === "put" && startedAt === undefined) await runner.beforeFirstPut?.();
    const at = runner.now();
    if (action.action === "put") {
      startedAt ??= at;
      lastPutAt = at;
    }
    await runner.perform(action);
    if (startedAt === undefined) clearedAt = runner.now();
    const done: PerformedAction = {
      step: action.step,
      action: action.action,
      key: action.key,
      bytes: action.action === "put" ? Buffer.byteLength(action.body ?? "") : 0,
      at,
    };
    performed.push(done);
    runner.log?.(done);
  }
  if (startedAt === undefined || lastPutAt === undefined) throw new Error("the demo script has no put");
  return { performed, startedAt, lastPutAt, ...(clearedAt === undefined ? {} : { clearedAt }) };
}
