// The s3size program: commander wiring of the commands, global options, and the one place errors are
// printed (one line and a hint; the stack only with --verbose) and turned into exit codes.
//
// Commands load when they run: the AWS SDK alone takes longer to load than `s3size --help` may take,
// so this file names each command and its summary, and the command's own file (its options and its
// one async function) is imported only once commander dispatches to it.
import { Command, CommanderError, Option } from "commander";
import { packageVersion } from "../build/package-root.ts";
import type { CommandSpec } from "./commands/types.ts";
import {
  DERIVED_DEFAULTS,
  type GlobalOptions,
  loadDotEnv,
  SETTINGS_ENV,
  type SettingKey,
  settingFlag,
} from "./config.ts";
import { awsErrorName, EXIT, UserError } from "./errors.ts";
import { Output, watchStreams } from "./output.ts";
import type { MainIo, Session } from "./session.ts";

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandSpec>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: "setup",
    summary: "create or update every resource (safe to run again; changes nothing when nothing changed)",
    load: async () => (await import("./commands/setup.ts")).setupCommand,
  },
  {
    name: "demo",
    summary: "run the driver, save the plot to ./plot.png and print the history it produced",
    load: async () => (await import("./commands/demo.ts")).demoCommand,
  },
  {
    name: "teardown",
    summary: "remove everything setup made, in reverse order (asks first unless --yes)",
    load: async () => (await import("./commands/teardown.ts")).teardownCommand,
  },
  {
    name: "status",
    summary: "show what exists and what is missing or drifted (exit 3 if anything is), with console links",
    load: async () => (await import("./commands/status.ts")).statusCommand,
  },
  {
    name: "history",
    summary: "print a bucket's size records (Query only)",
    load: async () => (await import("./commands/history.ts")).historyCommand,
  },
  {
    name: "plot",
    summary: "call the REST API and save the PNG",
    load: async () => (await import("./commands/plot.ts")).plotCommand,
  },
  {
    name: "logs",
    summary: "print a function's recent log events (--follow: keep printing; with --json one object a line)",
    load: async () => (await import("./commands/logs.ts")).logsCommand,
  },
  {
    name: "policy",
    summary: "per role: permissions used, granted but unused, and denied (from the local cloud's IAM report)",
    load: async () => (await import("./commands/policy.ts")).policyCommand,
  },
  {
    name: "track",
    summary: "attach the tracker to an existing bucket and record its size (a baseline)",
    load: async () => (await import("./commands/track.ts")).trackCommand,
  },
  {
    name: "untrack",
    summary: "detach the tracker from a bucket `track` attached (the bucket and its history stay)",
    load: async () => (await import("./commands/untrack.ts")).untrackCommand,
  },
  {
    name: "reconcile",
    summary: "incremental mode: list each tracked bucket once, fix the index and total, report the drift",
    load: async () => (await import("./commands/reconcile.ts")).reconcileCommand,
  },
  {
    name: "failures",
    summary: "list the tracker's events that failed after their retries (--redrive: run them again; --purge)",
    load: async () => (await import("./commands/failures.ts")).failuresCommand,
  },
  {
    name: "notifications",
    summary: "who gets the topic's messages; on the local cloud, the emails it would have sent",
    load: async () => (await import("./commands/notifications.ts")).notificationsCommand,
  },
  {
    name: "console",
    summary: "open the local cloud's console (read-only pages of every resource) in a browser",
    load: async () => (await import("./commands/console.ts")).consoleCommand,
  },
  {
    name: "local",
    summary: "run the local cloud in the foreground and print how to point clients at it",
    load: async () => (await import("./commands/local.ts")).localCommand,
  },
];

function defaultIo(): MainIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    stdinIsTTY: Boolean(process.stdin.isTTY),
  };
}

/** Runs one command line (`argv` as in process.argv); resolves to the exit code. */
export async function main(argv: string[], ioOverrides: Partial<MainIo> = {}): Promise<number> {
  const io = { ...defaultIo(), ...ioOverrides };
  const gone = watchStreams(io);
  let verbose = argv.includes("--verbose");
  let session: Session | undefined;
  try {
    loadDotEnv(io.env, io.cwd);
    let exitCode: number = EXIT.ok;
    const program = buildProgram(io, async (entry, spec, options, argument) => {
      verbose = Boolean(options.verbose);
      const output = new Output(io, { json: Boolean(options.json), verbose, env: io.env, gone });
      const { Session } = await import("./session.ts");
      session = await Session.open(options as GlobalOptions, io, output, {
        command: entry.name,
        changesStack: spec.changesStack,
        writesStateDir: spec.standalone,
        rebuild: Boolean(options.rebuild),
      });
      exitCode = await spec.run(session, options, argument);
    });
    // `s3size help <command>` prints the command's help without dispatching to it: load it first.
    if (argv[2] === "help" && argv[3]) await program.loadCommand(argv[3]);
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return report(error, io, verbose, gone);
  } finally {
    await (session as Session | undefined)?.close();
  }
}

type Run = (
  entry: CommandEntry,
  spec: CommandSpec,
  options: Record<string, unknown>,
  argument?: string,
) => Promise<void>;

function buildProgram(io: MainIo, run: Run): Command & { loadCommand(name: string): Promise<void> } {
  const program = new Command("s3size")
    .description("Track an S3 bucket's total size over time and plot it, on AWS or on a local cloud.")
    .version(packageVersion(), "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Usage errors are printed by `report`, like every other error.
      outputError: () => {},
    })
    // Every command's help lists the options it accepts from the top level too (`teardown --help`
    // must mention --yes).
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      "\nExit codes: 0 done, 1 failed, 2 bad usage, 3 status found something missing or drifted.",
    );
  program
    .option("--local", "use the local cloud (the running `s3size local`, or one started for this command)")
    .option("--endpoint-url <url>", "any AWS-compatible endpoint, e.g. http://127.0.0.1:4566 (all services)")
    .option("--region <region>", "AWS region (default AWS_REGION, the profile's region, else us-east-1)")
    .option("--profile <name>", "AWS profile from ~/.aws/config and ~/.aws/credentials (default AWS_PROFILE)")
    .option("--state-dir <dir>", "where state.json and the local cloud's data live (default .s3size)")
    .option("--json", "print one JSON document on stdout (a stream: one JSON object per line)")
    .option("--yes", "do not ask for confirmation")
    .option("--verbose", "more output, and stack traces on errors");
  // Every name and setting of .env.example has a flag too; flags win over the environment and .env.
  for (const key of Object.keys(SETTINGS_ENV) as SettingKey[]) {
    if (key === "stateDir") continue;
    const [envName, fallback] = SETTINGS_ENV[key];
    const description = `${envName} (default ${fallback || DERIVED_DEFAULTS[key]})`;
    if (key === "versioning") {
      const flag = new Option(
        "--versioning",
        `turn versioning on for the data bucket (${envName}=on; default off)`,
      );
      program.addOption(flag.helpGroup("Names and settings:"));
      continue;
    }
    program.addOption(
      new Option(`${settingFlag(key)} <value>`, description).helpGroup("Names and settings:"),
    );
  }
  const specs = new Map<Command, { entry: CommandEntry; spec?: CommandSpec }>();
  for (const entry of COMMANDS) {
    const command = program.command(entry.name).description(entry.summary).exitOverride();
    specs.set(command, { entry });
    command.action(async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      const loaded = specs.get(self)!;
      const argument = loaded.spec!.argument ? (args[0] as string) : undefined;
      await run(entry, loaded.spec!, self.optsWithGlobals(), argument);
    });
  }
  // Only the command being run (or asked about) is loaded, and given its arguments and options.
  const load = async (command: Command) => {
    const loaded = specs.get(command);
    if (!loaded || loaded.spec) return;
    const spec = await loaded.entry.load();
    loaded.spec = spec;
    if (spec.argument) command.argument(spec.argument.name, spec.argument.description);
    for (const option of spec.options ?? [])
      command.addOption(new Option(option.flags, option.description).default(option.default));
  };
  program.hook("preSubcommand", (_program, command) => load(command));
  return Object.assign(program, {
    loadCommand: async (name: string) => {
      const command = program.commands.find((candidate) => candidate.name() === name);
      if (command) await load(command);
    },
  });
}

function report(error: unknown, io: MainIo, verbose: boolean, gone: AbortSignal): number {
  // Nobody is reading any more (`| head`): nothing to say, and nothing wrong with that.
  if (gone.aborted) return EXIT.ok;
  if (error instanceof CommanderError) {
    if (["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code))
      return EXIT.ok;
    io.stderr.write(`${error.message}\n`);
    io.stderr.write("hint: see s3size --help (or s3size <command> --help)\n");
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (error instanceof UserError) {
    io.stderr.write(`error: ${error.message}\n`);
    if (error.hint) io.stderr.write(`hint: ${error.hint}\n`);
  } else {
    const name = awsErrorName(error);
    const message = oneLine(error instanceof Error ? error.message : String(error));
    io.stderr.write(`error: ${name && name !== "Error" ? `${name}: ` : ""}${message}\n`);
    io.stderr.write(`hint: ${verbose ? "the details follow" : "run again with --verbose for details"}\n`);
  }
  if (verbose) {
    const cause = (error as { cause?: unknown }).cause;
    io.stderr.write(`${(error as Error).stack ?? ""}\n`);
    if (cause instanceof Error) io.stderr.write(`caused by: ${cause.stack}\n`);
  }
  return EXIT.failure;
}

function oneLine(text: string): string {
  return text.split("\n")[0]!.slice(0, 400);
}
