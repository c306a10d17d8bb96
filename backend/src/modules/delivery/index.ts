export { DeliveryModule } from './delivery.module.js';
export { DeliveryService } from './delivery.service.js';
export type { DeliveryFilter, DeliveryRequest, DeliveryView } from './delivery.service.js';
export { DELIVERY_STATUSES } from './delivery.types.js';
export type { DeliveryEvidence, DeliveryStatus, MessageOptions } from './delivery.types.js';
export { DomainTlsService } from './domain-tls.service.js';
export type { DomainTlsView } from './domain-tls.service.js';
export { SendingDomainsService } from './sending-domains.service.js';
