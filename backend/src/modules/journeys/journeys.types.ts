import type { JourneyGraph } from './journey-graph.js';

export const JOURNEY_STATUSES = ['draft', 'active', 'paused', 'archived'] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];

/** active: on its way (running or waiting); completed: reached an exit or a goal; exited: stopped by the system; removed: by a user. */
export const ENROLLMENT_STATES = ['active', 'completed', 'exited', 'removed', 'failed'] as const;
export type EnrollmentState = (typeof ENROLLMENT_STATES)[number];

/** The enrolling event as kept (encrypted) with the enrollment: its type and properties. */
export interface SealedContext {
  type: string;
  properties: Record<string, unknown>;
}

/** An event that may start, move or end enrollments. Properties may hold PHI: they are only kept encrypted. */
export interface TriggerEvent {
  contactId: string;
  type: string;
  properties?: Record<string, unknown>;
  occurredAt?: Date;
}

export interface JourneyView {
  id: string;
  name: string;
  description: string;
  status: JourneyStatus;
  currentVersion: number | null;
  triggerKind: string | null;
  triggerEventType: string | null;
  draft: JourneyGraph | Record<string, unknown>;
  /** Whether the draft differs from the current version. */
  draftChanged: boolean;
  versions: { version: number; publishedAt: string; publishedBy: string | null }[];
  enrollments: { active: number; total: number };
  createdAt: string;
  updatedAt: string;
}

export interface EnrollmentView {
  id: string;
  journeyId: string;
  version: number;
  contactId: string;
  state: EnrollmentState;
  nodeId: string;
  nextWakeAt: string | null;
  waitEvent: string | null;
  exitReason: string | null;
  enteredAt: string;
  finishedAt: string | null;
}

export interface StepView {
  stepKey: string;
  nodeId: string;
  nodeType: string;
  outcome: string;
  deliveryId: string | null;
  at: string;
}

export interface NodeStats {
  entered: number;
  waiting: number;
  completed: number;
  sent: number;
  opened: number;
  clicked: number;
  goalReached: number;
  exited: number;
}

export interface JourneyStats {
  journeyId: string;
  version: number | null;
  nodes: Record<string, NodeStats>;
  enrollments: Record<EnrollmentState, number> & { total: number };
  conversions: { count: number; rate: number; byGoal: Record<string, number> };
}
