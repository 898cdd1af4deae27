// EventBridge's state: event buses and their rules with targets, keyed by ARN (which carries the region),
// saved to `<dataDir>/events/state.json` after every change. Every region has its default bus.
import { join } from "node:path";
import { JsonFile } from "../state.ts";

export interface TargetRecord {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  RoleArn?: string;
  DeadLetterConfig?: { Arn?: string };
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
}

export interface RuleRecord {
  region: string;
  busName: string;
  name: string;
  arn: string;
  eventPattern?: string;
  scheduleExpression?: string;
  state: "ENABLED" | "DISABLED";
  description?: string;
  roleArn?: string;
  targets: TargetRecord[];
  tags: Record<string, string>;
  /** Epoch ms: rate() schedules count from here. */
  createdAt: number;
}

export interface BusRecord {
  region: string;
  name: string;
  arn: string;
  description?: string;
  tags: Record<string, string>;
  createdAt: number;
}

interface EventsState {
  buses: BusRecord[];
  rules: RuleRecord[];
}

export const busArn = (region: string, account: string, name: string) =>
  `arn:aws:events:${region}:${account}:event-bus/${name}`;

/** Rules on the default bus are `rule/<name>`; on another bus, `rule/<bus>/<name>`. */
export const ruleArn = (region: string, account: string, bus: string, name: string) =>
  `arn:aws:events:${region}:${account}:rule/${bus === "default" ? "" : `${bus}/`}${name}`;

export class EventsStore {
  readonly buses = new Map<string, BusRecord>();
  readonly rules = new Map<string, RuleRecord>();
  private readonly file: JsonFile<EventsState>;

  constructor(
    dir: string,
    private readonly account: string,
  ) {
    this.file = new JsonFile(join(dir, "state.json"), () => ({ buses: [], rules: [] }));
    const state = this.file.load();
    for (const bus of state.buses) this.buses.set(bus.arn, bus);
    for (const rule of state.rules) this.rules.set(rule.arn, rule);
  }

  save(): void {
    this.file.save({ buses: [...this.buses.values()], rules: [...this.rules.values()] });
  }

  /** A bus by name in a region; the default bus always exists. */
  bus(region: string, name: string): BusRecord | undefined {
    const arn = busArn(region, this.account, name);
    if (name === "default" && !this.buses.has(arn)) {
      this.buses.set(arn, { region, name, arn, tags: {}, createdAt: Date.now() });
    }
    return this.buses.get(arn);
  }

  rulesOn(bus: BusRecord): RuleRecord[] {
    return [...this.rules.values()]
      .filter((rule) => rule.region === bus.region && rule.busName === bus.name)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}
