// Lambda's runtime identifiers: the enum CreateFunction accepts, the ones AWS no longer lets anyone create
// or update functions with, and which of them the local cloud can run (Node.js with the host's node,
// Python with the host's python3); the others are accepted as on AWS and fail when invoked.

/** Every value of the Runtime enum, in the order AWS lists them in its validation message. */
export const RUNTIMES = [
  "nodejs",
  "nodejs4.3",
  "nodejs6.10",
  "nodejs8.10",
  "nodejs10.x",
  "nodejs12.x",
  "nodejs14.x",
  "nodejs16.x",
  "nodejs18.x",
  "nodejs20.x",
  "nodejs22.x",
  "nodejs24.x",
  "nodejs26.x",
  "java8",
  "java8.al2",
  "java11",
  "java17",
  "java21",
  "java25",
  "python2.7",
  "python3.6",
  "python3.7",
  "python3.8",
  "python3.9",
  "python3.10",
  "python3.11",
  "python3.12",
  "python3.13",
  "python3.14",
  "python3.15",
  "dotnetcore1.0",
  "dotnetcore2.0",
  "dotnetcore2.1",
  "dotnetcore3.1",
  "dotnet6",
  "dotnet8",
  "dotnet10",
  "nodejs4.3-edge",
  "go1.x",
  "ruby2.5",
  "ruby2.7",
  "ruby3.2",
  "ruby3.3",
  "ruby3.4",
  "ruby4.0",
  "provided",
  "provided.al2",
  "provided.al2023",
  "java8.al2023",
  "java11.al2023",
  "java17.al2023",
] as const;

/**
 * Runtimes past AWS's "block function create" date: CreateFunction and an UpdateFunctionConfiguration
 * that sets them are refused. Only runtimes whose block date is long past are listed; AWS's table in the
 * Lambda developer guide ("Runtime deprecation") is the source.
 */
const BLOCKED = [
  /^nodejs(4\.3|4\.3-edge|6\.10|8\.10|10\.x|12\.x|14\.x|16\.x)?$/,
  /^python(2\.7|3\.[678])$/,
  /^java8$/,
  /^dotnet(core\d\.\d|6)$/,
  /^ruby2\.\d$/,
  /^go1\.x$/,
  /^provided$/,
];

/** What AWS's refusal recommends instead, per family. */
const SUCCESSORS: Array<[RegExp, string]> = [
  [/^nodejs/, "nodejs24.x"],
  [/^python/, "python3.14"],
  [/^java/, "java21"],
  [/^dotnet/, "dotnet8"],
  [/^ruby/, "ruby3.4"],
  [/^(go|provided)/, "provided.al2023"],
];

export const isRuntime = (value: string): boolean => (RUNTIMES as readonly string[]).includes(value);

/** AWS's InvalidParameterValueException message for a blocked runtime, or undefined when it may be used. */
export function blockedRuntimeMessage(runtime: string): string | undefined {
  if (!BLOCKED.some((blocked) => blocked.test(runtime))) return undefined;
  const successor = SUCCESSORS.find(([family]) => family.test(runtime))?.[1] ?? "nodejs24.x";
  return `The runtime parameter of ${runtime} is no longer supported for creating or updating AWS Lambda functions. We recommend you use the new runtime (${successor}) while creating or updating functions.`;
}

export type RuntimeFamily = "nodejs" | "python" | "other";

export function runtimeFamily(runtime: string): RuntimeFamily {
  if (runtime.startsWith("nodejs")) return "nodejs";
  if (/^python3\.\d+$/.test(runtime)) return "python";
  return "other";
}

/** Whether AWS's runtime includes the AWS SDK for JavaScript v3 (Node.js 18 and later). */
export function includesSdkV3(runtime: string): boolean {
  const major = Number(runtime.match(/^nodejs(\d+)\.x$/)?.[1] ?? 0);
  return major >= 18;
}
