export { BouncesModule } from './bounces.module.js';
export { BouncesService } from './bounces.service.js';
export type { Bounce, BounceOutcome, ComplaintDetail } from './bounces.service.js';
export { InboundSmtpReceiver, INBOUND_MAX_MESSAGE_BYTES } from './inbound-smtp.receiver.js';
export type { InboundCounters } from './inbound-smtp.receiver.js';
export { decisiveRecipient, parseInboundReport } from './inbound-report.js';
export type { DsnRecipient, InboundReport, UnparseableReason } from './inbound-report.js';
export { ReturnPaths } from './return-paths.js';
