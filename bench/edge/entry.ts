// The gateway Worker with one bench route: /__bench/instantiate?n=N times N
// instantiations of the wire core from the compiled module (what a cold
// isolate pays once) with performance.now(), whose steps are 1 ms in local
// workerd (bench/workerd.mjs checks that clock). Every other request goes to
// the gateway as deployed; /__bench/noop answers at once and /__bench/dial
// opens and closes a session to the origin (the breakdown of a call's time). Bundled by bench/edge.mjs.
import h2coreWasm from '../../build/h2core.wasm';
import { loadCore } from '../../host/core/core.js';
import { connect } from '../../host/edge/client.js';
import gateway, { originUrl, type GatewayEnv } from '../../host/edge/gateway.js';

// With ORIGIN_SESSION bound, the gateway forwards through this object (one session for all requests).
export { OriginSession } from '../../host/edge/gateway.js';

export default {
  async fetch(request: Request, env: GatewayEnv, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/__bench/instantiate') {
      const n = Number(url.searchParams.get('n') ?? '20');
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await loadCore({ module: h2coreWasm });
      const ms = performance.now() - t0;
      return Response.json({ n, ms });
    }
    if (url.pathname === '/__bench/noop') return new Response('');
    if (url.pathname === '/__bench/dial') {
      // What each gateway call pays before its request: a session to the origin, opened and closed.
      const session = await connect(originUrl(env.ORIGIN));
      await session.close();
      return new Response('');
    }
    return gateway.fetch(request, env, ctx);
  },
};
