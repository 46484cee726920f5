/**
 * Scans stream batches on worker threads: the redaction engine is single-threaded JavaScript, so a
 * large input is redacted up to N times faster on N cores. With `jobs` = N, N - 1 workers and the
 * calling thread take batches in turn (a third thread on two cores only adds contention). Each
 * worker builds the same redactor from a plain configuration (rules, keys, registered secrets)
 * and answers `find` requests in order.
 */
import { Worker } from 'node:worker_threads';
import type { Finding } from './engine.js';
import type { BatchFinder } from './stream.js';
import type { DetectorFile } from './detectors.js';

/** Everything a worker needs to build an identical redactor. Stays inside this process. */
export interface RedactorConfig {
  readonly pii: boolean;
  readonly keys: readonly string[];
  readonly nonSecretKeys: readonly string[];
  readonly disabledRules: readonly string[];
  readonly detectors: readonly DetectorFile[];
  readonly minRegisteredLength: number;
  readonly registered: readonly (readonly [string, string])[];
}

type Reply = { id: number; findings: Finding[] } | { id: number; error: string };

export class WorkerFinder implements BatchFinder {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (findings: Finding[]) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(
    config: RedactorConfig,
    jobs: number,
    private readonly overlapLength: number,
    private readonly inThread: (region: string) => Finding[],
  ) {
    this.workers = Array.from({ length: Math.max(1, jobs - 1) }, () => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: config });
      worker.on('message', (reply: Reply) => {
        const waiter = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if ('error' in reply) waiter?.reject(new Error(`redaction worker failed: ${reply.error}`));
        else waiter?.resolve(reply.findings);
      });
      worker.on('error', (error) => {
        this.fail(error);
      });
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`redaction worker exited with code ${code}`));
      });
      return worker;
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  overlap(): number {
    return this.overlapLength;
  }

  find(region: string): Finding[] | Promise<Finding[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    const turn = id % (this.workers.length + 1);
    // The calling thread takes every (workers + 1)-th batch while the workers scan theirs.
    if (turn === this.workers.length) return this.inThread(region);
    const worker = this.workers[turn];
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker?.postMessage({ id, region });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
