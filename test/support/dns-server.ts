import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface ZoneEntry {
  MX?: { preference: number; exchange: string }[];
  A?: string[];
  TXT?: string[];
}

export interface TestDns {
  /** `127.0.0.1:port`, for DNS_SERVERS. */
  server: string;
  zone: Map<string, ZoneEntry>;
  queries: string[];
  close(): Promise<void>;
}

/** A real DNS server on loopback UDP answering from a zone the test writes (NXDOMAIN for unknown names). */
export async function startDnsServer(zone: Record<string, ZoneEntry>): Promise<TestDns> {
  const entries = new Map(Object.entries(zone).map(([name, entry]) => [name.toLowerCase(), entry]));
  const queries: string[] = [];
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    queries.push(`${question.type} ${name}`);
    const entry = entries.get(name);
    const answers: dnsPacket.Answer[] = [];
    if (entry && question.type === 'MX') for (const mx of entry.MX ?? []) answers.push({ type: 'MX', name, ttl: 60, data: mx });
    if (entry && question.type === 'A') for (const a of entry.A ?? []) answers.push({ type: 'A', name, ttl: 60, data: a });
    if (entry && question.type === 'TXT') for (const t of entry.TXT ?? []) answers.push({ type: 'TXT', name, ttl: 60, data: t.match(/.{1,255}/g) ?? [''] }); // character-strings of at most 255 bytes
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_DESIRED | (entry ? 0 : 3),
      questions: [question],
      answers,
    });
    socket.send(response, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    server: `127.0.0.1:${String(port)}`,
    zone: entries,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        socket.close(() => {
          resolve();
        });
      }),
  };
}
