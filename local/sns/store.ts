// SNS's state: topics and subscriptions, keyed by ARN (which carries the region), kept in Maps and saved
// to `<dataDir>/sns/state.json` after every change.
import { join } from "node:path";
import { JsonFile } from "../state.ts";

export interface TopicRecord {
  region: string;
  name: string;
  arn: string;
  /** Settable attributes as set (DisplayName, Policy, DeliveryPolicy, …); defaults are filled in on read. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
  subscriptionsDeleted: number;
}

export interface SubscriptionRecord {
  arn: string;
  topicArn: string;
  region: string;
  protocol: string;
  endpoint: string;
  owner: string;
  /** RawMessageDelivery, FilterPolicy, FilterPolicyScope, RedrivePolicy, DeliveryPolicy, … as set. */
  attributes: Record<string, string>;
  pending: boolean;
  /** The confirmation token of a pending subscription, and until when it is valid (epoch ms). */
  token?: string;
  tokenExpires?: number;
  confirmationWasAuthenticated: boolean;
}

interface SnsState {
  topics: TopicRecord[];
  subscriptions: SubscriptionRecord[];
}

export class SnsStore {
  readonly topics = new Map<string, TopicRecord>();
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  private readonly file: JsonFile<SnsState>;

  constructor(readonly dir: string) {
    this.file = new JsonFile(join(dir, "state.json"), () => ({ topics: [], subscriptions: [] }));
    const state = this.file.load();
    for (const topic of state.topics) this.topics.set(topic.arn, topic);
    for (const subscription of state.subscriptions) this.subscriptions.set(subscription.arn, subscription);
  }

  save(): void {
    this.file.save({ topics: [...this.topics.values()], subscriptions: [...this.subscriptions.values()] });
  }

  subscriptionsOf(topicArn: string): SubscriptionRecord[] {
    return [...this.subscriptions.values()].filter((subscription) => subscription.topicArn === topicArn);
  }
}
