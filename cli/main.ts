// Placeholder until the CLI lands: prints the version so the bin wiring can be checked.
export async function main(_argv: string[]): Promise<number> {
  console.log("s3size 0.1.0");
  return 0;
}
