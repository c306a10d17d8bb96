import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { ENROLLMENT_STATES, type EnrollmentState, type JourneyStats, type NodeStats } from './journeys.types.js';

const EMPTY: NodeStats = { entered: 0, waiting: 0, completed: 0, sent: 0, opened: 0, clicked: 0, goalReached: 0, exited: 0 };

/**
 * Per-node figures of a journey (all versions, or one): aggregates only, no contact data.
 * - completed: steps run at the node; waiting: enrollments there now (a wait, quiet hours);
 * - exited: enrollments whose journey ended at the node; entered: completed + there now + ended there without a step
 *   (removed, failed, journey archived);
 * - sent / opened / clicked: the node's messages that were sent, and opened or clicked by a person (machine opens and
 *   scanner clicks are left out), read from the delivery records and the engagement events (read-only aggregates);
 * - goalReached: at goal nodes. Conversions: enrollments that reached a goal, over all enrollments.
 */
@Injectable()
export class JourneyStatsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async stats(journeyId: string, version?: number): Promise<JourneyStats> {
    const [journey] = await this.db.query<[{ id: string }?]>(`SELECT id::text AS id FROM journeys WHERE id = $1`, [
      /^\d{1,18}$/.test(journeyId) ? journeyId : '0',
    ]);
    if (!journey) throw new DomainError('journey_not_found', 'Journey not found', 404);
    const params = [journeyId, version ?? null];
    const [steps, positions, sends, engagement] = await Promise.all([
      this.db.query<{ node_id: string; outcome: string; n: number }[]>(
        `SELECT node_id, outcome, count(*)::int AS n FROM journey_steps WHERE journey_id = $1 AND ($2::int IS NULL OR version = $2) GROUP BY node_id, outcome`,
        params,
      ),
      this.db.query<{ node_id: string; state: EnrollmentState; exit_reason: string | null; n: number }[]>(
        `SELECT node_id, state, exit_reason, count(*)::int AS n FROM journey_enrollments WHERE journey_id = $1 AND ($2::int IS NULL OR version = $2)
          GROUP BY node_id, state, exit_reason`,
        params,
      ),
      // deliveries: the delivery module's records of this journey's messages, joined by the ids the steps kept.
      this.db.query<{ node_id: string; sent: number }[]>(
        `SELECT s.node_id, count(*) FILTER (WHERE d.status = 'sent')::int AS sent FROM journey_steps s JOIN deliveries d ON d.id = s.delivery_id
          WHERE s.journey_id = $1 AND ($2::int IS NULL OR s.version = $2) AND s.delivery_id IS NOT NULL GROUP BY s.node_id`,
        params,
      ),
      this.db.query<{ node_id: string; opened: number; clicked: number }[]>(
        `SELECT s.node_id, count(DISTINCT s.delivery_id)::int AS opened, count(DISTINCT s.delivery_id) FILTER (WHERE e.type = 'clicked')::int AS clicked
           FROM journey_steps s JOIN engagement_events e ON e.delivery_id = s.delivery_id AND e.type IN ('opened', 'clicked') AND NOT e.machine
          WHERE s.journey_id = $1 AND ($2::int IS NULL OR s.version = $2) AND s.delivery_id IS NOT NULL GROUP BY s.node_id`,
        params,
      ),
    ]);
    const nodes: Record<string, NodeStats> = {};
    const node = (id: string) => (nodes[id] ??= { ...EMPTY });
    const byGoal: Record<string, number> = {};
    for (const s of steps) {
      node(s.node_id).completed += s.n;
      node(s.node_id).entered += s.n;
      if (s.outcome === 'goal') {
        node(s.node_id).goalReached += s.n;
        byGoal[s.node_id] = (byGoal[s.node_id] ?? 0) + s.n;
      }
    }
    const enrollments = Object.fromEntries(ENROLLMENT_STATES.map((s) => [s, 0])) as Record<EnrollmentState, number>;
    let total = 0;
    let goals = 0;
    for (const p of positions) {
      enrollments[p.state] += p.n;
      total += p.n;
      if (p.exit_reason === 'goal') goals += p.n;
      if (p.state === 'active') {
        node(p.node_id).waiting += p.n;
        node(p.node_id).entered += p.n;
      } else {
        node(p.node_id).exited += p.n;
        // These end without a step at their node (the others' last step was counted above).
        if (p.state === 'removed' || p.state === 'failed' || p.exit_reason === 'journey_archived') node(p.node_id).entered += p.n;
      }
    }
    for (const s of sends) node(s.node_id).sent = s.sent;
    for (const e of engagement) {
      node(e.node_id).opened = e.opened;
      node(e.node_id).clicked = e.clicked;
    }
    return {
      journeyId,
      version: version ?? null,
      nodes,
      enrollments: { ...enrollments, total },
      conversions: { count: goals, rate: total ? goals / total : 0, byGoal },
    };
  }
}
