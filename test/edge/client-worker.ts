// A Worker that drives h2wasm/edge's connect() against the origin the test
// names, and reports what it saw as JSON. Bundled by test/edge/client.test.ts.
import { connect, responseTrailers, type Session } from '../../host/edge/index.js';

interface Env {
  ORIGIN: string;
}

let kept: Session | null = null;

async function digest(bytes: ArrayBuffer): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

export default {
  async fetch(request: Request, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (url.pathname === '/reuse') {
        // A session kept in the isolate from an earlier request: workerd may refuse its socket.
        const first = kept === null;
        kept ??= await connect(env.ORIGIN);
        const res = await kept.fetch('/hello');
        return Response.json({ first, status: res.status, text: await res.text() });
      }
      const session = await connect(env.ORIGIN);
      try {
        if (url.pathname === '/get') {
          const res = await session.fetch('/hello?x=1');
          return Response.json({ status: res.status, type: res.headers.get('content-type'), text: await res.text() });
        }
        if (url.pathname === '/echo') {
          const body = await request.arrayBuffer();
          const res = await session.fetch('/echo', { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'application/octet-stream' } });
          const back = await res.arrayBuffer();
          return Response.json({ status: res.status, sent: await digest(body), received: await digest(back), length: back.byteLength });
        }
        if (url.pathname === '/stream-echo') {
          // The request body streamed through as it arrives, the response streamed back.
          const res = await session.fetch('/echo', { method: 'POST', body: request.body });
          ctx.waitUntil(session.close());
          return new Response(res.body, { status: res.status });
        }
        if (url.pathname === '/partial') {
          // A response the origin breaks off: the body must fail, not end cleanly.
          const res = await session.fetch(url.searchParams.get('path') ?? '/');
          // As the gateway does: a graceful close (our GOAWAY) as soon as the head is in.
          if (url.searchParams.has('close')) void session.close();
          let text = '';
          const reader = res.body!.getReader();
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              text += new TextDecoder().decode(value);
            }
            return Response.json({ status: res.status, text, ended: 'cleanly' });
          } catch (e) {
            return Response.json({ status: res.status, text, ended: `${(e as Error).name}: ${(e as Error).message}` });
          }
        }
        if (url.pathname === '/trailers') {
          const res = await session.fetch('/trailers');
          const text = await res.text();
          const trailers: Record<string, string> = {};
          (await responseTrailers(res)).forEach((value, name) => { trailers[name] = value; });
          return Response.json({ status: res.status, text, trailers });
        }
        return new Response('no such test\n', { status: 404 });
      } finally {
        await session.close();
      }
    } catch (e) {
      return Response.json({ error: `${(e as Error).name}: ${(e as Error).message}`, code: (e as { code?: number }).code }, { status: 599 });
    }
  },
};
