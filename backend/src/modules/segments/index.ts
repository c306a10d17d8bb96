export { compileRule } from './segment-compiler.js';
export { evaluateRule } from './segment-evaluate.js';
export type { ContactFacts } from './segment-evaluate.js';
export type { SegmentRule } from './segment-rule.js';
export { validateRule } from './segment-rule.js';
export { SegmentsModule } from './segments.module.js';
export { SegmentsService } from './segments.service.js';
export { SavedSegmentsService } from './saved-segments.service.js';
export type { SegmentCount, SegmentDetail, SegmentView, SnapshotView } from './saved-segments.service.js';
