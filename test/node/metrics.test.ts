// Metrics: server.metrics() counts what connections do, and `metrics: { port }` serves the same
// counters as Prometheus text (through prom-client), checked with curl, the way a scraper sees them.

import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type H2Server } from '../../host/node/serve.js';
import { demoApp } from '../../host/node/demo-app.js';
import { connect, request, requireTool, runOk } from '../helpers/peers.js';

const servers: H2Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(metricsPort?: number): Promise<H2Server> {
  const server = await serve({
    stream: demoApp(), port: 0, hostname: '127.0.0.1', log: () => {},
    ...(metricsPort !== undefined ? { metrics: { port: metricsPort } } : {}),
  });
  servers.push(server);
  return server;
}

/** badPreface connects and sends bytes that are not an HTTP/2 preface, and waits for the close. */
function badPreface(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n'));
    s.on('error', () => {});
    s.on('close', () => resolve());
    s.resume();
  });
}

describe('metrics', () => {
  it('server.metrics() counts connections, streams, bytes and GOAWAYs by code', async () => {
    const server = await start();
    const session = await connect(`http://127.0.0.1:${server.port}`);
    for (let i = 0; i < 3; i++) expect((await request(session, '/')).status).toBe(200);
    session.close();
    await badPreface(server.port);
    const m = server.metrics();
    expect(m.connectionsOpened).toBeGreaterThanOrEqual(2);
    expect(m.streamsOpened).toBe(3);
    expect(m.bytesIn).toBeGreaterThan(0);
    expect(m.bytesOut).toBeGreaterThan(0);
    expect(m.goawaySent[1], 'GOAWAY PROTOCOL_ERROR').toBe(1);
    expect(server.metricsPort).toBeNull();
  });

  it('serves Prometheus text at /metrics: counters by listener, error codes and guards, plus process metrics', async () => {
    requireTool('curl');
    const server = await start(0);
    expect(server.metricsPort).toBeGreaterThan(0);
    const session = await connect(`http://127.0.0.1:${server.port}`);
    expect((await request(session, '/')).status).toBe(200);
    session.close();
    await badPreface(server.port);
    const text = await runOk('curl', ['-s', `http://127.0.0.1:${server.metricsPort}/metrics`]);
    const listener = `listener="h2c:${server.port}"`;
    expect(text).toContain('# TYPE h2wasm_connections_total counter');
    expect(text).toMatch(new RegExp(`h2wasm_streams_total\\{${listener}\\} 1\\b`));
    expect(text).toMatch(new RegExp(`h2wasm_goaway_sent_total\\{${listener},code="PROTOCOL_ERROR"\\} 1\\b`));
    expect(text).toContain('# TYPE h2wasm_guard_trips_total counter');
    expect(text).toContain('h2wasm_process_resident_memory_bytes');
  });
});
