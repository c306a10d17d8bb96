import { Worker } from 'node:worker_threads';
import type { CsvBroken } from './import-batches.js';
import { type FromWorker, revive, type ToWorker, type WorkerBatch, type WorkerSetup } from './worker-protocol.js';

/**
 * The worker thread's heap: a batch in preparation and two waiting fit in the old generation with
 * room to spare; a young generation large enough for a whole batch keeps its short-lived objects
 * from being promoted (and collected again) before the batch is posted.
 */
const WORKER_HEAP = { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 32 };

export interface PrepareThreadOptions {
  /** The upload's bytes; each chunk is zeroed once handed over. */
  chunks: AsyncIterable<Uint8Array>;
  /** A block of `n` fresh contact ids (nextval), one per batch. */
  reserveIds: (n: number) => Promise<string[]>;
  /** Batches prepared ahead of the one being written. */
  ahead: number;
}

/**
 * Runs parse, validate, tokenise and seal in a worker thread (import-worker.ts) and hands the
 * prepared batches back in file order. The worker pulls the file as it needs it and takes a block
 * of ids per batch, so it never runs more than `ahead` batches in front of the writer.
 */
export class PrepareThread implements AsyncIterable<WorkerBatch | CsvBroken> {
  private readonly worker: Worker;
  private readonly outbox: (WorkerBatch | CsvBroken | { type: 'done' } | { type: 'failed'; error: string })[] = [];
  private wake: (() => void) | null = null;
  private readonly source: AsyncIterator<Uint8Array>;
  private finished = false;
  private readonly batchSize: number;

  constructor(
    setup: WorkerSetup,
    private readonly options: PrepareThreadOptions,
  ) {
    this.source = options.chunks[Symbol.asyncIterator]();
    this.batchSize = setup.source.batchSize;
    this.worker = spawnWorker(setup);
    this.worker.on('message', (m: FromWorker) => {
      if (m.type === 'more') void this.feed();
      else this.deliver(m.type === 'rows' ? revive(m) : m);
    });
    this.worker.on('error', (err) => this.deliver({ type: 'failed', error: `import worker stopped: ${err.name}` }));
    this.worker.on('exit', (code) => {
      if (!this.finished) this.deliver({ type: 'failed', error: `import worker exited with code ${code}` });
    });
    for (let i = 0; i < options.ahead; i++) void this.grantIds();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WorkerBatch | CsvBroken> {
    try {
      for (;;) {
        while (!this.outbox.length) await new Promise<void>((resolve) => (this.wake = resolve));
        const m = this.outbox.shift();
        if (!m || m.type === 'done') return;
        if (m.type === 'failed') throw new Error(m.error);
        if (m.type === 'rows') void this.grantIds();
        yield m;
      }
    } finally {
      await this.stop();
    }
  }

  async stop(): Promise<void> {
    this.finished = true;
    await this.worker.terminate();
    await this.source.return?.(); // closes the upload
  }

  private deliver(m: (typeof this.outbox)[number]) {
    if (m.type === 'done' || m.type === 'failed') this.finished = true;
    this.outbox.push(m);
    this.wake?.();
    this.wake = null;
  }

  private send(message: ToWorker, transfer: ArrayBuffer[] = []) {
    if (!this.finished) this.worker.postMessage(message, transfer);
  }

  private async feed() {
    try {
      const next = await this.source.next();
      if (next.done) {
        this.send({ type: 'end' });
        return;
      }
      const value = next.value;
      // A copy the worker owns outright (the chunk may share a pooled buffer); the original is wiped.
      const data = new Uint8Array(value);
      value.fill(0);
      this.send({ type: 'chunk', data }, [data.buffer]);
    } catch (err) {
      this.deliver({ type: 'failed', error: `reading the upload failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  /** A full block each time: the next batch may hold up to batchSize new contacts. */
  private async grantIds() {
    try {
      this.send({ type: 'ids', ids: await this.options.reserveIds(this.batchSize) });
    } catch (err) {
      this.deliver({ type: 'failed', error: `reserving contact ids failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
}

/** The worker runs the built .js in production; under the test runner (TypeScript sources) it loads through tsx. */
function spawnWorker(setup: WorkerSetup): Worker {
  const here = import.meta.url;
  const resourceLimits = WORKER_HEAP;
  if (here.endsWith('.js')) return new Worker(new URL('./import-worker.js', here), { workerData: setup, resourceLimits });
  const entry = new URL('./import-worker.ts', here).href;
  const boot = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}))`;
  return new Worker(boot, { eval: true, workerData: setup, resourceLimits });
}
