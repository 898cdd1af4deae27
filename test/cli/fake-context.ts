// A provisioning context whose clients are faked with aws-sdk-client-mock, for the AWS-only paths and
// for each resource's ensure/destroy without a cloud.
import { mockClient } from "aws-sdk-client-mock";
import { createAwsClients, isMutatingCommand } from "../../cli/aws-clients.ts";
import { resolveSettings, type Settings, stackNames } from "../../cli/config.ts";
import type { ProvisionContext } from "../../cli/provision/context.ts";
import { emptyState, type StackState } from "../../cli/state.ts";

export const ACCOUNT = "123456789012";

export function fakeContext(
  options: {
    region?: string;
    settings?: Partial<Settings>;
    state?: Partial<StackState>;
    dryRun?: boolean;
  } = {},
) {
  const region = options.region ?? "eu-west-1";
  const clients = createAwsClients({ region, local: true });
  const mocks = {
    s3: mockClient(clients.s3),
    dynamodb: mockClient(clients.dynamodb),
    lambda: mockClient(clients.lambda),
    iam: mockClient(clients.iam),
    sts: mockClient(clients.sts),
    apigateway: mockClient(clients.apigateway),
    logs: mockClient(clients.logs),
    events: mockClient(clients.events),
    sns: mockClient(clients.sns),
    sqs: mockClient(clients.sqs),
    cloudwatch: mockClient(clients.cloudwatch),
  };
  const settings: Settings = { ...resolveSettings({ region }, {}, "/tmp"), ...options.settings };
  const state: StackState = { ...emptyState(settings.stack, region), ...options.state };
  let saves = 0;
  const ctx: ProvisionContext = {
    clients,
    settings,
    names: stackNames(settings, ACCOUNT),
    account: ACCOUNT,
    region,
    state,
    saveState: () => {
      saves++;
    },
    dryRun: options.dryRun ?? false,
    changes: [],
    notes: [],
    packageFunctions: async () => [],
    progress: () => {},
  };
  /** Every command sent to any fake, by name without the "Command" suffix. */
  const sent = () =>
    Object.values(mocks).flatMap((mock) =>
      mock.calls().map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, "")),
    );
  return { ctx, mocks, sent, mutations: () => sent().filter(isMutatingCommand), saves: () => saves };
}

export function awsError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
  });
}

/** Restores every fake after a test file. */
export function inputOf<T>(
  mock: { commandCalls: (command: never) => Array<{ args: [{ input: T }] }> },
  command: unknown,
): T[] {
  return mock.commandCalls(command as never).map((call) => call.args[0].input);
}
