import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/stack.js';

const TOKEN = 'scrape-token-0123456789abcdef';

describe('Prometheus metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'all', env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
  });

  const scrape = (token?: string) => fetch(`${t.baseUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('is hidden without the bearer token', async () => {
    expect((await scrape()).status).toBe(404);
    expect((await scrape('wrong-token-0123456789abcdef')).status).toBe(404);
  });

  it('serves queue depths, delivery figures and HTTP latency by route template', async () => {
    await fetch(`${t.baseUrl}/healthz`);
    await fetch(`${t.baseUrl}/api/v1/contacts/9876543`);
    const res = await scrape(TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/^hm_queue_jobs\{queue="delivery",state="waiting"\} 0$/m);
    expect(text).toMatch(/^hm_queue_jobs\{queue="imports",state="failed"\} 0$/m);
    expect(text).toMatch(/^hm_deliveries_sent_last_minute 0$/m);
    expect(text).toMatch(/^hm_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1$/m);
    expect(text).toMatch(/route="\/api\/v1\/contacts\/:id",status="401"/);
    // Concrete ids never become label values.
    expect(text).not.toContain('9876543');
    expect(text).toMatch(/^hm_process_cpu_seconds_total /m);
  });
});
