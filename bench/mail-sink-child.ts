/** The dev mail sink in a process of its own, so both sides of bench:delivery pay for it equally. Prints `SINK {json}` when ready. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailSink } from '../backend/src/dev/mail-sink/index.js';

const sink = await MailSink.start({ dataDir: await mkdtemp(join(tmpdir(), 'hm-bench-sink-')), httpPort: null });
const caFile = join(sink.dataDir, 'tls', 'ca.crt');
process.stdout.write(`SINK ${JSON.stringify({ port: sink.smtpPort, caFile, caPem: sink.caPem })}\n`);
process.on('SIGTERM', () => {
  void sink.stop().then(() => process.exit(0));
});
