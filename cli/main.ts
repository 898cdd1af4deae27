// The s3size program: commander wiring of the commands, global options, and the one place errors are
// printed (one line and a hint; the stack only with --verbose) and turned into exit codes.
import { Command, CommanderError, Option } from "commander";
import { demoCommand } from "./commands/demo.ts";
import { historyCommand } from "./commands/history.ts";
import { localCommand } from "./commands/local.ts";
import { logsCommand } from "./commands/logs.ts";
import { plotCommand } from "./commands/plot.ts";
import { policyCommand } from "./commands/policy.ts";
import { setupCommand } from "./commands/setup.ts";
import { statusCommand } from "./commands/status.ts";
import { teardownCommand } from "./commands/teardown.ts";
import type { CommandSpec } from "./commands/types.ts";
import {
  DERIVED_DEFAULTS,
  type GlobalOptions,
  loadDotEnv,
  SETTINGS_ENV,
  type SettingKey,
  settingFlag,
} from "./config.ts";
import { awsErrorName, UserError } from "./errors.ts";
import { type MainIo, Session } from "./session.ts";

export const COMMANDS: CommandSpec[] = [
  setupCommand,
  demoCommand,
  teardownCommand,
  statusCommand,
  historyCommand,
  plotCommand,
  logsCommand,
  policyCommand,
  localCommand,
];

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

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
  let verbose = argv.includes("--verbose");
  let session: Session | undefined;
  try {
    loadDotEnv(io.env, io.cwd);
    let exitCode: number = EXIT.ok;
    const program = buildProgram(io, async (spec, options, argument) => {
      verbose = Boolean(options.verbose);
      session = Session.open(options as GlobalOptions, io);
      exitCode = await spec.run(session, options, argument);
    });
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return report(error, io, verbose);
  } finally {
    await (session as Session | undefined)?.close();
  }
}

function buildProgram(
  io: MainIo,
  run: (spec: CommandSpec, options: Record<string, unknown>, argument?: string) => Promise<void>,
): Command {
  const program = new Command("s3size")
    .description("Track an S3 bucket's total size over time and plot it, on AWS or on a local cloud.")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Usage errors are printed by `report`, like every other error.
      outputError: () => {},
    })
    .showSuggestionAfterError(true);
  program
    .option("--local", "use the local cloud (the running `s3size local`, or one started for this command)")
    .option("--endpoint-url <url>", "any AWS-compatible endpoint, e.g. http://127.0.0.1:4566")
    .option("--region <region>", "AWS region (default AWS_REGION, else us-east-1)")
    .option(
      "--profile <name>",
      "AWS profile from the shared config (credentials come from the standard chain)",
    )
    .option("--state-dir <dir>", "where state.json and the local cloud's data live (default .s3size)")
    .option("--json", "print one JSON document on stdout")
    .option("--yes", "do not ask for confirmation")
    .option("--verbose", "more output, and stack traces on errors");
  // Every name and setting of .env.example has a flag too; flags win over the environment and .env.
  for (const key of Object.keys(SETTINGS_ENV) as SettingKey[]) {
    if (key === "stateDir") continue;
    const [envName, fallback] = SETTINGS_ENV[key];
    const description = `${envName} (default ${fallback || DERIVED_DEFAULTS[key]})`;
    program.addOption(
      new Option(`${settingFlag(key)} <value>`, description).helpGroup("Names and settings:"),
    );
  }
  for (const spec of COMMANDS) {
    const command = program.command(spec.name).description(spec.summary).exitOverride();
    if (spec.argument) command.argument(spec.argument.name, spec.argument.description);
    for (const option of spec.options ?? [])
      command.addOption(new Option(option.flags, option.description).default(option.default));
    command.action(async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      const argument = spec.argument ? (args[0] as string) : undefined;
      await run(spec, self.optsWithGlobals(), argument);
    });
  }
  return program;
}

function report(error: unknown, io: MainIo, verbose: boolean): number {
  if (error instanceof CommanderError) {
    if (["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code))
      return EXIT.ok;
    io.stderr.write(`${error.message.replace(/^error: /, "error: ")}\n`);
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
