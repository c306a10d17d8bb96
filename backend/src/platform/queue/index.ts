export { JOB_QUEUE, JobName, QueueName } from './queue.constants.js';
export type { JobPayloads } from './queue.constants.js';
export { QueueModule } from './queue.module.js';
