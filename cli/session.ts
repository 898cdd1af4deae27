// One command's view of the world: validated settings, where the clients point (AWS, an endpoint, or
// a local cloud found or started for this command), the account and names, and the state file.

import type { PackagedFunction } from "../build/package.ts";
import { type AwsClients, type CallRecord, createAwsClients, isLoopback } from "./aws-clients.ts";
import { type GlobalOptions, resolveSettings, type Settings, type StackNames, stackNames } from "./config.ts";
import { UserError } from "./errors.ts";
import { Output, type Streams } from "./output.ts";
import { ensureAccount, type Identity } from "./provision/account.ts";
import type { ProvisionContext } from "./provision/context.ts";
import { emptyState, type StackState, StateStore } from "./state.ts";

/** What `main` is given besides argv: streams, environment, and hooks tests use. */
export interface MainIo extends Streams {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdinIsTTY: boolean;
  /** Answers a yes/no question (teardown's confirmation). */
  confirm?: (question: string) => Promise<boolean>;
  /** Test hook: called after each setup step is recorded; throwing simulates a crash there. */
  afterStep?: (step: string) => void;
  /** Test hook: receives every AWS call the command makes (to count mutating calls). */
  calls?: CallRecord[];
  /** Test hook: packages once for many runs. */
  packageFunctions?: (options: {
    target: "lambda" | "local";
    arch?: "arm64" | "x86_64";
  }) => Promise<PackagedFunction[]>;
}

interface RunningCloud {
  endpoint: string;
  stop?: () => Promise<void>;
}

export class Session {
  readonly output: Output;
  readonly store: StateStore;
  private cloud?: RunningCloud;
  private awsClients?: AwsClients;
  private identity?: Identity;

  private constructor(
    readonly settings: Settings,
    readonly options: GlobalOptions,
    readonly io: MainIo,
  ) {
    this.output = new Output(io, { json: Boolean(options.json), verbose: Boolean(options.verbose) });
    this.store = new StateStore(settings.stateDir);
  }

  /** Validates everything before any AWS call. */
  static open(options: GlobalOptions, io: MainIo): Session {
    if (options.local && options.endpointUrl) {
      throw new UserError("--local and --endpoint-url both say where to go", "use one of them");
    }
    return new Session(resolveSettings(options, io.env, io.cwd), options, io);
  }

  /** True when this command started the local cloud itself: it stops when the command ends. */
  get cloudIsTemporary(): boolean {
    return Boolean(this.cloud?.stop);
  }

  get endpoint(): string | undefined {
    return this.cloud?.endpoint ?? this.settings.endpoint;
  }

  /** Finds the `s3size local` of this state dir, or starts one in-process until `close`. */
  async connect(): Promise<void> {
    if (!this.settings.local || this.cloud) return;
    const local = await import("../local/index.ts");
    const running = await local.findRunningLocalCloud(this.settings.stateDir);
    if (running) {
      this.output.debug(`using the local cloud at ${running.endpoint}`);
      this.cloud = running;
      return;
    }
    try {
      const options = { stateDir: this.settings.stateDir, region: this.settings.region };
      // The driver keeps the API's URL, port included: reuse the last port so a re-run changes nothing.
      const lastPort = Number(new URL(this.store.load()?.endpoint ?? "http://x:0").port || 0);
      const started = await local
        .startLocalCloud({ ...options, port: lastPort })
        .catch((error: NodeJS.ErrnoException) =>
          lastPort && error.code === "EADDRINUSE"
            ? local.startLocalCloud({ ...options, port: 0 })
            : Promise.reject(error),
        );
      this.output.debug(`started a local cloud at ${started.endpoint}`);
      this.cloud = { endpoint: started.endpoint, stop: () => started.stop() };
    } catch (error) {
      throw new UserError(
        `cannot start the local cloud: ${(error as Error).message}`,
        // The local cloud's own errors (a corrupt state file, a state dir in use) carry their hint.
        (error as { hint?: string }).hint ?? "is another s3size local running for this --state-dir?",
        {
          cause: error,
        },
      );
    }
  }

  get clients(): AwsClients {
    if (this.settings.local && !this.cloud) throw new Error("connect() must run before the clients are used");
    this.awsClients ??= createAwsClients({
      region: this.settings.region,
      endpoint: this.endpoint,
      profile: this.settings.profile,
      local: this.settings.local,
      calls: this.io.calls,
    });
    return this.awsClients;
  }

  async account(): Promise<Identity> {
    await this.connect();
    this.identity ??= await ensureAccount(this.clients.sts, {
      endpoint: this.endpoint,
      profile: this.settings.profile,
    });
    return this.identity;
  }

  async names(): Promise<StackNames> {
    return stackNames(this.settings, (await this.account()).account);
  }

  loadState(): StackState {
    const saved = this.store.load();
    if (saved && saved.stack === this.settings.stack) return saved;
    return emptyState(this.settings.stack, this.settings.region, this.endpoint);
  }

  async provisionContext(
    state: StackState,
    dryRun: boolean,
    progress: (text: string) => void = () => {},
  ): Promise<ProvisionContext> {
    const { account } = await this.account();
    const endpoint = this.endpoint;
    const local = this.settings.local || (endpoint !== undefined && isLoopback(endpoint));
    const packageFunctions =
      this.io.packageFunctions ??
      (async (options) => (await import("../build/package.ts")).packageFunctions(options));
    return {
      clients: this.clients,
      settings: this.settings,
      names: await this.names(),
      account,
      region: this.settings.region,
      endpoint: this.endpoint,
      state,
      saveState: () => {
        if (!dryRun) this.store.save(state);
      },
      dryRun,
      changes: [],
      notes: [],
      // Emulated functions run on this machine; real ones on Lambda's Linux with the configured arch.
      packageFunctions: () =>
        local
          ? packageFunctions({ target: "local" })
          : packageFunctions({ target: "lambda", arch: this.settings.arch }),
      progress,
    };
  }

  async close(): Promise<void> {
    const cloud = this.cloud;
    this.cloud = undefined;
    for (const client of Object.values(this.awsClients ?? {})) {
      if (typeof client === "object" && client && "destroy" in client)
        (client as { destroy(): void }).destroy();
    }
    this.awsClients = undefined;
    await cloud?.stop?.();
  }
}
