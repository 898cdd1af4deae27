// A PutObject load generator for a worker thread: the client's own work (signing, building and parsing
// requests) runs off the emulator's thread, as a real client runs in a process of its own.
import { parentPort, workerData } from "node:worker_threads";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type AwsTarget, s3ClientConfig } from "../handlers/common/aws.ts";

export interface PutLoad {
  target: AwsTarget;
  bucket: string;
  prefix: string;
  count: number;
  bytes: number;
  inFlight: number;
}

async function run(load: PutLoad): Promise<number> {
  const s3 = new S3Client(s3ClientConfig(load.target, {}));
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < load.count) {
      const index = next++;
      // Distinct bytes per object: the store must write each body, not find it already stored.
      const body = Buffer.alloc(load.bytes, 0x61);
      body.write(`${load.prefix}${index}`);
      await s3.send(new PutObjectCommand({ Bucket: load.bucket, Key: `${load.prefix}${index}`, Body: body }));
    }
  };
  await Promise.all(Array.from({ length: load.inFlight }, worker));
  const ms = performance.now() - start;
  s3.destroy();
  return ms;
}

if (parentPort) {
  run(workerData as PutLoad).then(
    (ms) => parentPort?.postMessage({ ms }),
    (error: unknown) => parentPort?.postMessage({ error: String(error) }),
  );
}
