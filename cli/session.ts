// One command's view of the world: validated settings, where the clients point (AWS, configured
// endpoints, or a local cloud found or started for this command), the account and names, the state
// file, and the stack's lock while a command changes it.

import type { FunctionZip } from "../build/function-zips.ts";
import { type AwsClients, type CallRecord, createAwsClients, isLoopback } from "./aws-clients.ts";
import {
  type AwsProfile,
  credentialsFromEnvironment,
  loadAwsProfile,
  profileName,
  resolveEndpoint,
  SERVICE_IDS,
  type ServiceKey,
  type Sourced,
} from "./aws-config.ts";
import {
  type GlobalOptions,
  resolveSettings,
  type Settings,
  type StackNames,
  stackNames,
  validateEndpointUrl,
} from "./config.ts";
import { UserError } from "./errors.ts";
import type { Output, Streams } from "./output.ts";
import { ensureAccount, type Identity } from "./provision/account.ts";
import type { ProvisionContext } from "./provision/context.ts";
import { DEFAULT_LOCK_WAIT_MS, lockStack } from "./stack-lock.ts";
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
  }) => Promise<FunctionZip[]>;
  /** How long a command waits for another one holding the stack's lock (default 10 s). */
  lockWaitMs?: number;
}

interface RunningCloud {
  endpoint: string;
  stop?: () => Promise<void>;
}

/** What a command needs from the session beyond its options. */
export interface SessionNeeds {
  /** The command changes the stack: the state dir must be writable, and the command holds its lock. */
  changesStack?: boolean;
  /** Its name, for the lock (so a second command can say who holds it). */
  command: string;
  /** Writes into the state dir without changing the stack (`local` keeps its data there). */
  writesStateDir?: boolean;
  /** Extra per-command flags that affect the session (setup's --rebuild). */
  rebuild?: boolean;
}

export class Session {
  readonly store: StateStore;
  private cloud?: RunningCloud;
  private awsClients?: AwsClients;
  private identity?: Identity;
  private releaseLock?: () => void;
  private zips?: Promise<FunctionZip[]>;

  private constructor(
    readonly settings: Settings,
    readonly options: GlobalOptions,
    readonly io: MainIo,
    readonly output: Output,
    /** Undefined on the local cloud, which needs no profile. */
    readonly profile: AwsProfile | undefined,
    private readonly endpoints: Partial<Record<ServiceKey, Sourced>>,
    private readonly needs: SessionNeeds,
  ) {
    this.store = new StateStore(settings.stateDir);
  }

  /** Validates everything before any AWS call; a command that changes the stack takes its lock. */
  static async open(
    options: GlobalOptions,
    io: MainIo,
    output: Output,
    needs: SessionNeeds,
  ): Promise<Session> {
    if (options.local && options.endpointUrl) {
      throw new UserError("--local and --endpoint-url both say where to go", "use one of them");
    }
    const localFromEnv = ["1", "true", "yes"].includes((io.env.S3SIZE_LOCAL ?? "").toLowerCase());
    // The local cloud needs no account: its profile (and any credential_process or SSO in it) is not read.
    const profile = options.local || localFromEnv ? undefined : await loadAwsProfile(options, io.env);
    const settings = resolveSettings(options, io.env, io.cwd, profile);
    const endpoints: Partial<Record<ServiceKey, Sourced>> = {};
    if (!settings.local) {
      for (const service of Object.keys(SERVICE_IDS) as ServiceKey[]) {
        const endpoint = resolveEndpoint(service, options, io.env, profile);
        if (endpoint) validateEndpointUrl(endpoint.value, endpoint.source);
        if (endpoint) endpoints[service] = endpoint;
      }
    }
    const session = new Session(settings, options, io, output, profile, endpoints, needs);
    if (needs.changesStack || needs.writesStateDir || settings.local) session.store.ensureWritable();
    if (needs.changesStack) {
      session.releaseLock = await lockStack(settings.stateDir, needs.command, {
        waitMs: io.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
        onWait: (holder) =>
          output.error(`waiting for s3size ${holder.command} (pid ${holder.pid}) to finish with this stack…`),
      });
    }
    return session;
  }

  /** True when this command started the local cloud itself: it stops when the command ends. */
  get cloudIsTemporary(): boolean {
    return Boolean(this.cloud?.stop);
  }

  /** Where a service's client goes; undefined is AWS itself. */
  endpointOf(service: ServiceKey): string | undefined {
    return this.cloud?.endpoint ?? this.endpoints[service]?.value;
  }

  /** Where the stack's REST API is served, for its invoke URL; undefined on AWS. */
  get endpoint(): string | undefined {
    return this.endpointOf("apigateway");
  }

  /** "region eu-west-1 (profile grader), profile grader (--profile), endpoint …": where the stack goes. */
  describeTarget(): string {
    const { settings } = this;
    const parts = [`region ${settings.region} (${settings.regionSource})`];
    if (this.profile) {
      const name = profileName(this.options, this.io.env);
      parts.push(`profile ${name.value} (${name.source})`);
    }
    if (this.cloud) parts.push(`local cloud ${this.cloud.endpoint}`);
    else {
      const distinct = new Set(Object.values(this.endpoints).map((e) => `${e.value} (${e.source})`));
      if (distinct.size === 1) parts.push(`endpoint ${[...distinct][0]}`);
      else if (distinct.size > 1) parts.push(`endpoints ${[...distinct].join(", ")}`);
    }
    return parts.join(", ");
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
        { cause: error },
      );
    }
  }

  get clients(): AwsClients {
    if (this.settings.local && !this.cloud) throw new Error("connect() must run before the clients are used");
    if (!this.awsClients) {
      const endpoints: Partial<Record<ServiceKey, string>> = {};
      for (const service of Object.keys(SERVICE_IDS) as ServiceKey[])
        endpoints[service] = this.endpointOf(service);
      const profile = this.profile;
      this.awsClients = createAwsClients({
        region: this.settings.region,
        endpoints,
        local: this.settings.local,
        calls: this.io.calls,
        ...(profile && {
          profile: profile.source === "default" ? undefined : profile.name,
          files: { configFile: profile.configFile, credentialsFile: profile.credentialsFile },
          envCredentials: credentialsFromEnvironment(profileName(this.options, this.io.env), this.io.env),
        }),
        warn: (message) => this.output.debug(`AWS SDK: ${message.trim()}`),
      });
    }
    return this.awsClients;
  }

  async account(): Promise<Identity> {
    await this.connect();
    this.identity ??= await ensureAccount(this.clients.sts, {
      endpoint: this.endpointOf("sts"),
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
    // Emulated functions run on this machine; real ones on Lambda's Linux with the configured arch.
    const lambdaEndpoint = this.endpointOf("lambda");
    const local = this.settings.local || (lambdaEndpoint !== undefined && isLoopback(lambdaEndpoint));
    const target = local
      ? { target: "local" as const }
      : { target: "lambda" as const, arch: this.settings.arch };
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
      packageFunctions: () => this.functionZips(target, progress),
      progress,
    };
  }

  /**
   * The zips to deploy: shipped, cached in the state dir by the hash of their inputs, or built there;
   * found once per command (setup starts this early, so zipping overlaps the steps before functions).
   */
  private functionZips(
    target: { target: "lambda" | "local"; arch?: "arm64" | "x86_64" },
    progress: (text: string) => void,
  ): Promise<FunctionZip[]> {
    this.zips ??= this.findFunctionZips(target, progress);
    return this.zips;
  }

  private async findFunctionZips(
    target: { target: "lambda" | "local"; arch?: "arm64" | "x86_64" },
    progress: (text: string) => void,
  ): Promise<FunctionZip[]> {
    if (this.io.packageFunctions) return this.io.packageFunctions(target);
    const { functionZips } = await import("../build/function-zips.ts");
    const { join } = await import("node:path");
    try {
      return await functionZips({
        ...target,
        store: join(this.settings.stateDir, "build"),
        rebuild: this.needs.rebuild,
        progress,
      });
    } catch (error) {
      throw new UserError(
        `cannot build the functions' zips: ${(error as Error).message}`,
        "run again with --rebuild, or with --verbose for details",
        { cause: error },
      );
    }
  }

  async close(): Promise<void> {
    const cloud = this.cloud;
    this.cloud = undefined;
    for (const client of Object.values(this.awsClients ?? {})) {
      if (typeof client === "object" && client && "destroy" in client)
        (client as { destroy(): void }).destroy();
    }
    this.awsClients = undefined;
    try {
      await cloud?.stop?.();
    } finally {
      this.releaseLock?.();
    }
  }
}
