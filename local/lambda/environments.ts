// Execution environments: one child process per environment (the runtime's client, in the unpacked code
// folder, with the credentials of a session of the function's execution role), reused while warm, one
// invocation at a time each, killed on timeout, retired when the function changes. Their output becomes
// the function's log events with AWS's report lines.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import type { IamInternal, LogEvent, LogsInternal, SessionCredentials } from "../types.ts";
import { launchFor } from "./launchers.ts";
import { type RuntimeApi, sendInvocation, startRuntimeApi } from "./runtime-api.ts";

const FLUSH_MARK = "\u001es3size-flush ";
/** How long to wait for the flush marks after a response before reporting without them. */
const FLUSH_GRACE_MS = 500;
const INIT_LIMIT_MS = 10_000;
/** Sessions of the execution role last this long (AWS: 12 hours for Lambda's role sessions) when IAM says nothing. */
const SESSION_MS = 12 * 3600_000;

/** What an environment runs: everything that, when it changes, needs a fresh environment. */
export interface EnvironmentSpec {
  functionName: string;
  functionArn: string;
  generation: number;
  codeDir: string;
  handler: string;
  runtime: string;
  /** The execution role: the environment acts as a session of it. */
  role: string;
  timeoutSeconds: number;
  memorySize: number;
  region: string;
  endpoint: string;
  variables: Record<string, string>;
}

export interface InvocationOutcome {
  requestId: string;
  payload: Buffer;
  /** Set when the function failed: the error type the runtime reported (or Sandbox.Timedout). */
  errorType?: string;
  /** The invocation's log output, START to REPORT, for LogType=Tail. */
  logText: string;
}

export interface PoolOptions {
  idleMs: number;
  /**
   * At most this many environments (child processes) at once, across all functions. AWS allows an
   * account a thousand; a laptop does not have the memory for that, so further invocations wait
   * for a free environment instead (a burst of events is processed in turn, none is lost).
   */
  maxEnvironments: number;
  /** Where the runtimes' own files live (the Node.js runtime's SDK folder). */
  runtimeDir: string;
  /** Whether Node's imports need a hook to stay inside the code folder (see CodeStore). */
  confineImports: boolean;
  /** Checks the code folder against what was unpacked (and restores it) before an environment starts in it. */
  verifyCode: (codeDir: string) => Promise<void>;
  logs: () => LogsInternal | undefined;
  iam: () => IamInternal | undefined;
  debug: (message: string) => void;
}

interface Pending {
  requestId: string;
  payload: Buffer;
  resolve: (outcome: InvocationOutcome) => void;
  lines: string[];
  deliveredAt?: number;
  timer?: NodeJS.Timeout;
  result?: { payload: Buffer; errorType?: string; status?: string };
  marks: number;
}

class ExecutionEnvironment {
  state: "busy" | "idle" | "dead" = "busy";
  /** Set when the function changed while this environment was busy: it is dropped after the invocation. */
  retired = false;
  readonly logStream: string;
  private child?: ChildProcess;
  private api?: RuntimeApi;
  private poller?: ServerResponse;
  private current?: Pending;
  private idleTimer?: NodeJS.Timeout;
  private readonly startedAt = Date.now();
  private initDuration?: number;
  private reportedInit = false;
  /** Why this environment cannot run its runtime here: every invocation fails with it. */
  private unavailable?: string;
  /** A line for the first invocation's log (which interpreter runs the function). */
  private notice?: string;
  /** When the role session's credentials expire: the environment is not reused close to it. */
  credentialsExpireAt = Number.POSITIVE_INFINITY;
  /** Whether the execution role may write this environment's logs (decided at the first line). */
  private logsAllowed?: boolean;

  constructor(
    readonly spec: EnvironmentSpec,
    private readonly options: PoolOptions,
  ) {
    const day = new Date().toISOString().slice(0, 10).replaceAll("-", "/");
    this.logStream = `${day}/[$LATEST]${randomBytes(16).toString("hex")}`;
  }

  get logGroup(): string {
    return `/aws/lambda/${this.spec.functionName}`;
  }

  async start(): Promise<void> {
    this.api = await startRuntimeApi({
      next: (res) => this.onNext(res),
      response: (requestId, payload) => this.onResult(requestId, { payload }),
      error: (requestId, payload, errorType) => this.onResult(requestId, { payload, errorType }),
      initError: (payload, errorType) => {
        if (this.current) this.finish({ payload, errorType, status: "error" });
      },
    });
    const { spec } = this;
    await this.options.verifyCode(spec.codeDir);
    const launch = await launchFor(spec.runtime, this.options);
    let credentials: SessionCredentials;
    try {
      credentials = this.roleSession();
    } catch (error) {
      this.unavailable = `The execution role ${spec.role} cannot be assumed: ${(error as Error).message}`;
      return;
    }
    if ("unavailable" in launch) {
      this.unavailable = launch.unavailable;
      return;
    }
    this.notice = launch.notice;
    const child = spawn(launch.command, launch.args, {
      cwd: spec.codeDir,
      env: { ...this.childEnvironment(this.api.address, credentials), ...launch.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.collectLines(child.stdout!);
    this.collectLines(child.stderr!);
    child.on("exit", (code, signal) => {
      const reason = signal ? `signal: ${signal}` : `exit status ${code}`;
      if (this.current && !this.current.result) {
        const message = `RequestId: ${this.current.requestId} Error: Runtime exited with error: ${reason}`;
        this.log(message);
        const payload = Buffer.from(
          JSON.stringify({ errorType: "Runtime.ExitError", errorMessage: message }),
        );
        this.finish({ payload, errorType: "Runtime.ExitError", status: "error" });
      } else if (this.current) {
        this.finish(this.current.result);
      }
      this.stop();
    });
    child.on("error", (error) => this.options.debug(`lambda: environment failed to start: ${error.message}`));
  }

  /** Runs one invocation; the environment must be busy (reserved for it). */
  invoke(payload: Buffer): Promise<InvocationOutcome> {
    clearTimeout(this.idleTimer);
    return new Promise((resolve) => {
      this.current = { requestId: randomUUID(), payload, resolve, lines: [], marks: 0 };
      if (this.unavailable !== undefined) return this.failUnavailable(this.unavailable);
      if (this.notice) this.log(this.notice);
      this.notice = undefined;
      if (this.state === "dead") return this.finish(this.exitedEarly());
      if (this.poller) this.deliver();
      else if (this.initDuration === undefined) {
        const limit = Math.max(INIT_LIMIT_MS, this.spec.timeoutSeconds * 1000);
        this.current.timer = setTimeout(() => this.timeOut("init"), limit);
      }
    });
  }

  /** Back to the pool; stops itself after idling for the pool's idle time. */
  release(): void {
    if (this.state === "dead") return;
    this.state = "idle";
    this.idleTimer = setTimeout(() => this.stop(), this.options.idleMs);
    this.idleTimer.unref();
  }

  stop(): Promise<void> {
    this.state = "dead";
    clearTimeout(this.idleTimer);
    if (this.child && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill("SIGKILL");
    this.poller = undefined;
    return this.api?.close() ?? Promise.resolve();
  }

  /**
   * Credentials of a session of the execution role, as Lambda hands them to function code, so the local
   * cloud can hold the function's calls to the role's policies. Without IAM's session support, dummy
   * keys stand in (and such calls are not evaluated).
   */
  private roleSession(): SessionCredentials {
    const { spec } = this;
    const session = this.options.iam()?.issueRoleSession?.(spec.role, spec.functionName);
    const credentials = session ?? {
      accessKeyId: "ASIALOCALCLOUD000000",
      secretAccessKey: "local-cloud-dummy-secret",
      sessionToken: "local-cloud-dummy-session-token",
      expiration: Date.now() + SESSION_MS,
    };
    this.credentialsExpireAt = credentials.expiration;
    return credentials;
  }

  /** The runtime cannot start here: the invocation fails as AWS fails one whose entrypoint cannot run. */
  private failUnavailable(reason: string): void {
    const requestId = this.current!.requestId;
    const message = `RequestId: ${requestId} Error: ${reason}`;
    this.log(message);
    const payload = Buffer.from(
      JSON.stringify({ errorType: "Runtime.InvalidEntrypoint", errorMessage: message }),
    );
    this.finish({ payload, errorType: "Runtime.InvalidEntrypoint", status: "error" });
    void this.stop();
  }

  private childEnvironment(runtimeApi: string, credentials: SessionCredentials): NodeJS.ProcessEnv {
    const { spec } = this;
    // Only what AWS's sandbox provides: nothing leaks in from the host (no NODE_OPTIONS, no NODE_PATH).
    return {
      ...spec.variables,
      PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
      LANG: "en_US.UTF-8",
      TZ: ":UTC",
      AWS_LAMBDA_RUNTIME_API: runtimeApi,
      _HANDLER: spec.handler,
      LAMBDA_TASK_ROOT: spec.codeDir,
      AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      AWS_LAMBDA_LOG_GROUP_NAME: this.logGroup,
      AWS_LAMBDA_LOG_STREAM_NAME: this.logStream,
      AWS_REGION: spec.region,
      AWS_DEFAULT_REGION: spec.region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken,
      AWS_ENDPOINT_URL: spec.endpoint,
    };
  }

  private onNext(res: ServerResponse): void {
    if (this.initDuration === undefined) this.initDuration = Date.now() - this.startedAt;
    this.poller = res;
    if (this.current && this.current.deliveredAt === undefined) this.deliver();
  }

  private deliver(): void {
    const current = this.current!;
    const poller = this.poller!;
    this.poller = undefined;
    clearTimeout(current.timer);
    current.deliveredAt = Date.now();
    this.log(`START RequestId: ${current.requestId} Version: $LATEST`);
    current.timer = setTimeout(() => this.timeOut("invoke"), this.spec.timeoutSeconds * 1000);
    sendInvocation(poller, {
      requestId: current.requestId,
      deadlineMs: current.deliveredAt + this.spec.timeoutSeconds * 1000,
      functionArn: this.spec.functionArn,
      payload: current.payload,
    });
  }

  private onResult(requestId: string, result: { payload: Buffer; errorType?: string }): void {
    const current = this.current;
    if (!current || current.requestId !== requestId || current.result) return;
    current.result = { ...result, ...(result.errorType ? { status: "error" } : {}) };
    clearTimeout(current.timer);
    // The output written just before the response may still be in the pipes: wait for the marks.
    if (current.marks >= 2) this.finish(current.result);
    else current.timer = setTimeout(() => this.finish(current.result), FLUSH_GRACE_MS);
  }

  private timeOut(phase: "init" | "invoke"): void {
    const current = this.current;
    if (!current || current.result) return;
    const seconds =
      phase === "init" ? Math.max(INIT_LIMIT_MS / 1000, this.spec.timeoutSeconds) : this.spec.timeoutSeconds;
    const message = `${new Date().toISOString()} ${current.requestId} Task timed out after ${seconds.toFixed(2)} seconds`;
    this.log(message);
    const payload = Buffer.from(JSON.stringify({ errorType: "Sandbox.Timedout", errorMessage: message }));
    current.result = { payload, errorType: "Sandbox.Timedout", status: "timeout" };
    this.finish(current.result);
    this.stop();
  }

  private finish(result: Pending["result"] = this.exitedEarly()): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    clearTimeout(current.timer);
    const duration = Date.now() - (current.deliveredAt ?? Date.now());
    const cold = current.deliveredAt !== undefined && this.initDuration !== undefined && !this.reportedInit;
    this.log(`END RequestId: ${current.requestId}`, current);
    this.log(
      [
        `REPORT RequestId: ${current.requestId}`,
        `Duration: ${duration.toFixed(2)} ms`,
        `Billed Duration: ${Math.max(1, Math.ceil(duration))} ms`,
        `Memory Size: ${this.spec.memorySize} MB`,
        `Max Memory Used: ${this.maxMemoryUsedMb()} MB`,
        ...(cold ? [`Init Duration: ${this.initDuration!.toFixed(2)} ms`] : []),
        ...(result.status ? [`Status: ${result.status}`] : []),
      ].join("\t"),
      current,
    );
    if (cold) this.reportedInit = true;
    current.resolve({
      requestId: current.requestId,
      payload: result.payload,
      ...(result.errorType ? { errorType: result.errorType } : {}),
      logText: current.lines.join("\n"),
    });
  }

  private exitedEarly(): NonNullable<Pending["result"]> {
    const message = "Runtime exited before the invocation completed";
    return {
      payload: Buffer.from(JSON.stringify({ errorType: "Runtime.ExitError", errorMessage: message })),
      errorType: "Runtime.ExitError",
      status: "error",
    };
  }

  private collectLines(stream: NodeJS.ReadableStream): void {
    let buffered = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      const events: LogEvent[] = [];
      for (const line of lines) {
        if (line.startsWith(FLUSH_MARK)) {
          this.onFlushMark(line.slice(FLUSH_MARK.length));
          continue;
        }
        const message = line.replaceAll("\r", "\n");
        this.current?.lines.push(message);
        events.push({ timestamp: Date.now(), message });
      }
      this.write(events);
    });
  }

  private onFlushMark(requestId: string): void {
    const current = this.current;
    if (!current || current.requestId !== requestId) return;
    current.marks += 1;
    if (current.marks >= 2 && current.result) this.finish(current.result);
  }

  private log(message: string, pending = this.current): void {
    pending?.lines.push(message);
    this.write([{ timestamp: Date.now(), message }]);
  }

  private write(events: LogEvent[]): void {
    if (events.length === 0 || !this.mayWriteLogs()) return;
    this.options.logs()?.putEvents(this.logGroup, this.logStream, events, this.spec.region);
  }

  /**
   * Lambda writes a function's logs as its execution role: a role without CreateLogStream and
   * PutLogEvents on the group runs its code, but nothing reaches CloudWatch Logs (as on AWS). Asked
   * once per environment, so the policy report counts the grants as used.
   */
  private mayWriteLogs(): boolean {
    if (this.logsAllowed === undefined) {
      const iam = this.options.iam();
      const accountId = this.spec.functionArn.split(":")[4];
      const stream = `arn:aws:logs:${this.spec.region}:${accountId}:log-group:${this.logGroup}:log-stream:${this.logStream}`;
      const allowed = (action: string) =>
        iam?.evaluateRole?.(this.spec.role, { action, resources: [stream] })?.allowed ?? true;
      this.logsAllowed = allowed("logs:CreateLogStream") && allowed("logs:PutLogEvents");
      if (!this.logsAllowed) {
        this.options.debug(`lambda: ${this.spec.functionName}'s role may not write its logs; none kept`);
      }
    }
    return this.logsAllowed;
  }

  private maxMemoryUsedMb(): number {
    try {
      const status = readFileSync(`/proc/${this.child?.pid}/status`, "utf8");
      const kb = Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0);
      return Math.round(kb / 1024);
    } catch {
      return 0;
    }
  }
}

export class EnvironmentPool {
  private readonly environments = new Set<ExecutionEnvironment>();
  /** Invocations waiting for the pool to have room, first come first served. */
  private readonly waiting: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  /** Runs one invocation in a warm idle environment of the same generation, or a new one. */
  async run(spec: EnvironmentSpec, payload: Buffer): Promise<InvocationOutcome> {
    const environment = await this.acquire(spec);
    try {
      return await environment.invoke(payload);
    } finally {
      if (environment.state === "dead" || environment.retired || this.closed) {
        this.forget(environment);
      } else environment.release();
      this.waiting.shift()?.();
    }
  }

  /** A busy environment for `spec`: a warm one, a new one while there is room, else waits for room. */
  private async acquire(spec: EnvironmentSpec): Promise<ExecutionEnvironment> {
    for (;;) {
      if (this.closed) throw new Error("the local cloud is stopping");
      for (const env of this.environments) if (env.state === "dead") this.environments.delete(env);
      const idle = [...this.environments].filter((env) => env.state === "idle");
      // Not one whose role session would expire during this invocation (its calls would be refused).
      const usableUntil = Date.now() + spec.timeoutSeconds * 1000 + 60_000;
      const warm = idle.find(
        (env) =>
          env.spec.functionArn === spec.functionArn &&
          env.spec.generation === spec.generation &&
          env.credentialsExpireAt > usableUntil,
      );
      if (warm) {
        warm.state = "busy";
        return warm;
      }
      if (this.environments.size < this.options.maxEnvironments) {
        const environment = new ExecutionEnvironment(spec, this.options);
        this.environments.add(environment);
        try {
          await environment.start();
        } catch (error) {
          // Its place in the pool goes back: a failed start must not hold a slot forever.
          this.forget(environment);
          this.waiting.shift()?.();
          throw error;
        }
        this.options.debug(`lambda: new environment for ${spec.functionName} (${environment.logStream})`);
        return environment;
      }
      // Full: an idle environment of another function makes room; otherwise wait for a release.
      if (idle[0]) this.forget(idle[0]);
      else await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Stops the function's idle environments older than `generation` (all of them when omitted). */
  retire(functionArn: string, generation = Number.POSITIVE_INFINITY): void {
    for (const env of this.environments) {
      if (env.spec.functionArn !== functionArn || env.spec.generation >= generation) continue;
      // A busy one finishes its invocation and is then dropped: its generation no longer matches.
      if (env.state !== "busy") this.forget(env);
      else env.retired = true;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    await Promise.all([...this.environments].map((env) => env.stop()));
    this.environments.clear();
  }

  private forget(environment: ExecutionEnvironment): void {
    this.environments.delete(environment);
    void environment.stop();
  }
}
