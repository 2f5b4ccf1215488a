// The --config file read again on SIGHUP (a route's backend changed; an
// in-flight request on the old backend finishes; a bad file keeps the running
// configuration), and the per-route, per-backend Prometheus metrics.

import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, request } from '../helpers/peers.js';
import { deadBackend, startHttpBackend } from '../helpers/proxy-backends.js';
import { metricValue, startProxyProcess, tempFiles } from '../helpers/proxy-process.js';
import { killAllServers } from '../helpers/server-process.js';

afterAll(killAllServers);

describe('h2wasm proxy: SIGHUP reload', () => {
  it('a changed backend takes new requests at once; an in-flight request on the old one completes on the same connection', async () => {
    const a = await startHttpBackend('a');
    const b = await startHttpBackend('b');
    const { 'proxy.toml': conf } = tempFiles({ 'proxy.toml': `routes = ["/=${a.url}"]\n` });
    const p = await startProxyProcess(['--config', conf]);
    const session = await connect(p.h2c);
    expect((await request(session, '/before')).headers['x-backend']).toBe('a');

    const inFlight = request(session, '/slow/hold');
    await a.holding;
    // The new file gives the route as a table.
    writeFileSync(conf, `backend_timeout = 10000\n[[routes]]\nprefix = "/"\nbackends = ["${b.url}"]\n`);
    const from = p.log.length;
    p.child.kill('SIGHUP');
    await p.waitForLog('proxy configuration reloaded', { from });
    for (let i = 0; i < 3; i++) expect((await request(session, `/after${i}`)).headers['x-backend']).toBe('b');

    a.held.open();
    const held = await inFlight;
    expect(held.status).toBe(200);
    expect(held.headers['x-backend']).toBe('a');
    expect(held.body.toString()).toBe('held\n');

    // A file that does not parse: logged, and the running configuration kept.
    writeFileSync(conf, 'routes = [\n');
    const from2 = p.log.length;
    p.child.kill('SIGHUP');
    await p.waitForLog('reload failed; the running configuration is kept', { from: from2 });
    expect((await request(session, '/still')).headers['x-backend']).toBe('b');
    expect(session.closed || session.destroyed).toBe(false);
  });
});

describe('h2wasm proxy: metrics', () => {
  it('--metrics-port serves requests by route, backend and status class, errors by kind, and the response-time histogram', async () => {
    const a = await startHttpBackend('a');
    const dead = await deadBackend('http');
    const routeA = `/a=${a.url}`;
    const routeDead = `/dead=${dead}`;
    const p = await startProxyProcess(['--route', routeA, '--route', routeDead, '--metrics-port', '0']);
    const session = await connect(p.h2c);
    for (let i = 0; i < 3; i++) expect((await request(session, `/a/${i}`)).status).toBe(200);
    expect((await request(session, '/dead')).status).toBe(502);
    expect((await request(session, '/nowhere')).status).toBe(404);
    const text = await (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();
    expect(metricValue(text, 'h2wasm_proxy_requests_total', { route: routeA, backend: a.url, class: '2xx' })).toBe(3);
    expect(metricValue(text, 'h2wasm_proxy_requests_total', { route: routeDead, backend: dead, class: '5xx' })).toBe(1);
    expect(metricValue(text, 'h2wasm_proxy_errors_total', { route: routeDead, backend: dead, kind: 'connect' })).toBe(1);
    expect(metricValue(text, 'h2wasm_proxy_errors_total', { kind: 'no_route' })).toBe(1);
    expect(metricValue(text, 'h2wasm_proxy_response_seconds_count', { route: routeA, backend: a.url })).toBe(3);
    expect(text).toMatch(/^h2wasm_proxy_response_seconds_bucket\{le="\+Inf",route="\/a=http:\/\/127\.0\.0\.1:\d+",backend="http:\/\/127\.0\.0\.1:\d+"\} 3$/m);
  });
});
