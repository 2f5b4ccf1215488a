// The runtime-neutral forwarding layer (host/proxy/) on Node: header mapping,
// streaming base64, the gRPC-web trailer frame, error mapping, and forward()
// against a fake upstream.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Base64Decoder, Base64Encoder } from '../../host/proxy/base64.js';
import { forwardedRequestHeaders, withoutHopByHop } from '../../host/proxy/headers.js';
import { grpcWebKind, grpcWebContentType, trailerFrame } from '../../host/proxy/grpc-web.js';
import { grpcStatusForHttp, httpFailure, OriginTimeout, percentEncode } from '../../host/proxy/errors.js';
import { forward, type Upstream } from '../../host/proxy/forward.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const join = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('header mapping', () => {
  it('drops hop-by-hop fields and those the connection field names', () => {
    const h = new Headers({ connection: 'x-hop, Keep-Alive', 'keep-alive': '5', 'x-hop': '1', 'transfer-encoding': 'chunked', upgrade: 'h2c', 'proxy-connection': 'x', 'x-kept': 'yes' });
    const names: string[] = [];
    withoutHopByHop(h).forEach((_, name) => names.push(name));
    expect(names).toEqual(['x-kept']);
  });

  it('keeps te only as "trailers" and adds x-forwarded-*', () => {
    const out = forwardedRequestHeaders(new Headers({ te: 'gzip, trailers', host: 'edge.example', 'cf-connecting-ip': '203.0.113.9' }), new URL('https://edge.example/x'));
    expect(out.get('te')).toBe('trailers');
    expect(out.get('host')).toBeNull();
    expect(out.get('x-forwarded-host')).toBe('edge.example');
    expect(out.get('x-forwarded-proto')).toBe('https');
    expect(out.get('x-forwarded-for')).toBe('203.0.113.9');
    expect(forwardedRequestHeaders(new Headers({ te: 'gzip' }), new URL('http://a/')).get('te')).toBeNull();
  });
});

describe('streaming base64', () => {
  it('decodes any split, padding mid-stream and whitespace included', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), fc.array(fc.nat(200), { maxLength: 5 }), (pieces, cuts) => {
      // Each piece encoded on its own (padded), as a client encoding message by message does.
      const text = ascii(pieces.map((p) => Buffer.from(p).toString('base64')).join('\r\n'));
      const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
      const d = new Base64Decoder();
      const out: Uint8Array[] = [];
      let at = 0;
      for (const p of [...points, text.length]) {
        out.push(d.push(text.subarray(at, p)));
        at = p;
      }
      out.push(d.end());
      expect([...join(out)]).toEqual([...join(pieces)]);
    }));
  });

  it('encodes any split with padding only at the end', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), (pieces) => {
      const e = new Base64Encoder();
      const text = new TextDecoder().decode(join([...pieces.map((p) => e.push(p)), e.end()]));
      expect(text).toBe(Buffer.from(join(pieces)).toString('base64'));
    }));
  });

  it('refuses what is not base64', () => {
    expect(() => new Base64Decoder().push(ascii('ab!d'))).toThrow(/not base64/);
    expect(() => new Base64Decoder().push(ascii('a==='))).toThrow(/padding/);
  });
});

describe('gRPC-web', () => {
  it('reads the content types', () => {
    expect(grpcWebKind('application/grpc-web')).toEqual({ text: false, suffix: '' });
    expect(grpcWebKind('application/grpc-web-text+proto; charset=x')).toEqual({ text: true, suffix: '+proto' });
    expect(grpcWebKind('application/grpc-web+json')).toEqual({ text: false, suffix: '+json' });
    expect(grpcWebKind('application/grpc')).toBeNull();
    expect(grpcWebKind('application/grpc-webby')).toBeNull();
    expect(grpcWebContentType({ text: true, suffix: '' }, 'application/grpc+proto')).toBe('application/grpc-web-text+proto');
  });

  it('frames trailers with flag 0x80 and a big-endian length', () => {
    const f = trailerFrame([['grpc-status', '0'], ['X-Meta-Bin', 'AAE=']]);
    expect(f[0]).toBe(0x80);
    expect(new DataView(f.buffer).getUint32(1)).toBe(f.length - 5);
    expect(new TextDecoder().decode(f.subarray(5))).toBe('grpc-status: 0\r\nx-meta-bin: AAE=\r\n');
  });
});

describe('error mapping', () => {
  it('maps HTTP statuses and failures', () => {
    expect(grpcStatusForHttp(404)).toBe(12);
    expect(grpcStatusForHttp(503)).toBe(14);
    expect(grpcStatusForHttp(500)).toBe(2);
    expect(httpFailure(new OriginTimeout('slow')).status).toBe(504);
    expect(httpFailure(new Error('refused')).status).toBe(502);
    expect(percentEncode('a b%ü')).toBe('a b%25%C3%BC');
  });

  it('forward() never hangs on an upstream that never answers', async () => {
    const never: Upstream = (_url, init) => new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    const origin = new URL('http://origin.test');
    const plain = await forward(new Request('http://edge.test/x'), never, { origin, headTimeout: 50 });
    expect(plain.status).toBe(504);
    const grpc = await forward(new Request('http://edge.test/S/M', { method: 'POST', headers: { 'content-type': 'application/grpc-web' }, body: new Uint8Array(5) }), never, { origin, headTimeout: 50 });
    expect(grpc.headers.get('grpc-status')).toBe('14');
  });
});
