/**
 * The import's worker thread: parse, validate, tokenise and seal (import-batches.ts and
 * contact-prepare.ts), so the main thread is left with Postgres. It holds no database connection
 * and writes nothing: its only outputs are messages to the main thread (worker-protocol.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BatchPreparer } from '../contacts/contact-prepare.js';
import { SealingKeys } from '../crypto/sealing.js';
import { readBatches } from './import-batches.js';
import { type FromWorker, type ToWorker, toTransferable, type WorkerSetup } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('import-worker must run as a worker thread');

const setup = workerData as WorkerSetup;
const sealer = new SealingKeys(setup.keys);
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

/** Messages from the main thread, waited for in order. */
const inbox: ToWorker[] = [];
/** Everyone waiting (the file reader and the batch preparer wait at the same time): each looks again on every message. */
const waiting = new Set<() => void>();
port.on('message', (m: ToWorker) => {
  inbox.push(m);
  for (const wake of [...waiting]) wake();
});
async function next<M extends ToWorker>(accept: (m: ToWorker) => m is M): Promise<M> {
  for (;;) {
    const index = inbox.findIndex(accept);
    if (index >= 0) return inbox.splice(index, 1)[0] as M;
    await new Promise<void>((resolve) => {
      const wake = () => {
        waiting.delete(wake);
        resolve();
      };
      waiting.add(wake);
    });
  }
}

async function* chunks(): AsyncGenerator<Uint8Array> {
  for (;;) {
    post({ type: 'more' });
    const m = await next((x): x is Extract<ToWorker, { type: 'chunk' | 'end' }> => x.type === 'chunk' || x.type === 'end');
    if (m.type === 'end') return;
    yield m.data;
  }
}

async function main() {
  // One block of ids per batch, granted by the main thread as it takes batches (at most `ahead` in front).
  const preparer = async () => {
    const { ids } = await next((x): x is Extract<ToWorker, { type: 'ids' }> => x.type === 'ids');
    return new BatchPreparer(sealer, setup.onExisting, ids, setup.origin);
  };
  for await (const batch of readBatches({ ...setup.source, chunks: chunks() }, preparer)) {
    if (batch.type === 'csv-error') post(batch);
    else {
      const { message, transfer } = toTransferable(batch);
      post(message, transfer);
    }
  }
  post({ type: 'done' });
}

main().catch((err: unknown) => {
  // Name and code only: an error message may quote a value from the file, and values are PHI.
  const name = err instanceof Error ? err.name : 'Error';
  const code = (err as { code?: string }).code;
  post({ type: 'failed', error: `${name}${code ? ` (${code})` : ''} in the import worker` });
});
