// checkRequest with the connection's last valid request (`seen`): a field equal to the one at its
// place there skips the octet checks; anything else is checked as if nothing was seen, so a bad
// field can never pass on the strength of an earlier request.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkRequest, checkResponse, type RequestHead, type ResponseHead } from '../../host/engine/message-check.js';
import type { FlatHeaderList, HeaderList } from '../../host/core/hpack.js';

/** flat turns pairs into the flat list the engine checks (name, value, ...). */
const flat = (pairs: HeaderList): FlatHeaderList => pairs.flat();

const head = (): RequestHead => ({ method: '', scheme: '', authority: '', path: '', contentLength: -1, priority: '' });

const GOOD: HeaderList = [
  [':method', 'GET'], [':scheme', 'https'], [':authority', 'example.com'], [':path', '/a'],
  ['user-agent', 'test/1.0'], ['accept', '*/*'], ['content-length', '0'], ['priority', 'u=1'],
];

describe('checkRequest with the last valid request seen', () => {
  it('gives the same verdict and head with and without it, for any change to a valid request', () => {
    const seen = flat(GOOD);
    const octet = fc.constantFrom('a', 'A', ' ', '\t', '\r', '\n', '\0', ':', '\x7f', '\xff', '1', '/', '=');
    const edit = fc.record({
      at: fc.nat(GOOD.length - 1),
      part: fc.constantFrom(0, 1),
      where: fc.constantFrom('start', 'end', 'middle', 'replace'),
      text: fc.array(octet, { minLength: 1, maxLength: 3 }).map((a) => a.join('')),
    });
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 3 }), (edits) => {
        const fields = GOOD.map(([n, v]) => [n, v] as [string, string]);
        for (const e of edits) {
          const s = fields[e.at][e.part];
          const mid = s.length >> 1;
          fields[e.at][e.part] = e.where === 'start' ? e.text + s : e.where === 'end' ? s + e.text
            : e.where === 'middle' ? s.slice(0, mid) + e.text + s.slice(mid) : e.text;
        }
        const fresh = head();
        const remembered = head();
        const verdict = checkRequest(flat(fields), fresh);
        expect(checkRequest(flat(fields), remembered, seen)).toBe(verdict);
        if (verdict === null) expect(remembered).toEqual(fresh);
      }),
      { numRuns: 2000 },
    );
  });

  it('still finds an uppercase name, a CR in a value and a bad content-length at a seen field’s place', () => {
    const seen = flat(GOOD);
    const at = (i: number, f: [string, string]) => flat(GOOD.map((g, k) => (k === i ? f : g)) as HeaderList);
    expect(checkRequest(flat(GOOD), head(), seen)).toBeNull();
    expect(checkRequest(at(4, ['User-agent', 'test/1.0']), head(), seen)).toBe('uppercase field name');
    expect(checkRequest(at(5, ['accept', '*/*\r']), head(), seen)).toBe('NUL, CR or LF in field value');
    expect(checkRequest(at(6, ['content-length', 'x']), head(), seen)).toBe('content-length is not a number');
    expect(checkRequest(at(2, [':authority', ' example.com']), head(), seen)).toBe('field value starts with whitespace');
  });
});

describe('checkResponse with the last valid response seen', () => {
  it('still finds a bad field at a seen field’s place, and agrees with a check without it', () => {
    const ok: HeaderList = [[':status', '200'], ['content-type', 'text/plain'], ['content-length', '12']];
    const seen = flat(ok);
    const head = (): ResponseHead => ({ status: 0, contentLength: -1 });
    const at = (i: number, f: [string, string]) => flat(ok.map((g, k) => (k === i ? f : g)) as HeaderList);
    for (const fields of [flat(ok), at(1, ['Content-type', 'text/plain']), at(1, ['content-type', 'text/plain\n']), at(2, ['content-length', '1x']), at(2, ['connection', 'close'])]) {
      const a = head();
      const b = head();
      expect(checkResponse(fields, a, seen)).toBe(checkResponse(fields, b));
      expect(a).toEqual(b);
    }
    expect(checkResponse(at(1, ['Content-type', 'text/plain']), head(), seen)).toBe('uppercase field name');
  });
});
