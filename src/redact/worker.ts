/** A redaction worker thread (see parallel.ts): builds the redactor once, then answers `find`. */
import { parentPort, workerData } from 'node:worker_threads';
import { Redactor } from './index.js';
import type { RedactorConfig } from './parallel.js';
import { SecretRegistry } from './registry.js';

const config = workerData as RedactorConfig;
const registry = new SecretRegistry(config.minRegisteredLength);
for (const [value, label] of config.registered) registry.register(value, label);
const redactor = new Redactor({ ...config, registry });

parentPort?.on('message', ({ id, region }: { id: number; region: string }) => {
  try {
    parentPort?.postMessage({ id, findings: redactor.find(region) });
  } catch (error) {
    parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
