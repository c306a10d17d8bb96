import { describe, expect, it } from 'vitest';
import { describeJobData, MAX_IDS } from './job-data.js';

describe('describeJobData', () => {
  it('shows the identifiers of keys that name ids', () => {
    expect(describeJobData({ importId: '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f', rotationId: 7, id: 'abc_DEF-1' })).toEqual([
      { key: 'importId', ids: ['6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f'] },
      { key: 'rotationId', ids: ['7'] },
      { key: 'id', ids: ['abc_DEF-1'] },
    ]);
  });

  it('shows a list of ids up to a limit, with the full count', () => {
    const deliveryIds = Array.from({ length: MAX_IDS + 5 }, (_, i) => String(1000 + i));
    const [shown] = describeJobData({ deliveryIds });
    expect(shown.ids).toHaveLength(MAX_IDS);
    expect(shown.ids?.[0]).toBe('1000');
    expect(shown.count).toBe(MAX_IDS + 5);
    expect(describeJobData({ enrollmentIds: ['1', '2'] })).toEqual([{ key: 'enrollmentIds', ids: ['1', '2'] }]);
  });

  it('withholds values under keys that do not name ids', () => {
    expect(describeJobData({ domain: 'clinic.example', scheduledAt: '2026-11-23T10:00:00.000Z', at: '1764000000' })).toEqual([
      { key: 'domain', ids: null },
      { key: 'scheduledAt', ids: null },
      { key: 'at', ids: null },
    ]);
  });

  it('withholds id-named values that do not look like ids', () => {
    expect(describeJobData({ contactId: 'jane.doe@example.org', campaignId: { nested: 1 }, deliveryIds: ['1', 'Jane Doe'], userId: -3, ids: [1.5] })).toEqual([
      { key: 'contactId', ids: null },
      { key: 'campaignId', ids: null },
      { key: 'deliveryIds', ids: null },
      { key: 'userId', ids: null },
      { key: 'ids', ids: null },
    ]);
  });

  it('shows nothing of a payload that is not an object', () => {
    expect(describeJobData('jane.doe@example.org')).toEqual([]);
    expect(describeJobData(['1'])).toEqual([]);
    expect(describeJobData(null)).toEqual([]);
  });
});
