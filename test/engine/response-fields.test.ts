// The response field list the engine sends: :status, date, then the application's fields.

import { describe, expect, it } from 'vitest';
import { responseFields, httpDate } from '../../host/engine/server-stream.js';
import { trailerFields } from '../../host/engine/fields.js';

describe('responseFields', () => {
  it('puts :status and date first, lowercases names and drops connection-specific fields', () => {
    const fields = responseFields(200, [['Content-Type', 'text/plain'], ['Connection', 'close'], ['x-a', '1']]);
    expect(fields).toEqual([[':status', '200'], ['date', httpDate()], ['content-type', 'text/plain'], ['x-a', '1']]);
  });

  it("keeps the application's own date instead of adding a second one", () => {
    const date = 'Tue, 01 Jan 2030 00:00:00 GMT';
    expect(responseFields(204, { DATE: date, 'x-b': ['1', '2'] })).toEqual([[':status', '204'], ['date', date], ['x-b', '1'], ['x-b', '2']]);
  });

  it('refuses pseudo-headers and values with CR, LF or NUL', () => {
    expect(() => responseFields(200, [[':path', '/']])).toThrow(TypeError);
    expect(() => responseFields(200, [['x', 'a\r\nb']])).toThrow(TypeError);
    expect(() => responseFields(200, [['date', 'x\n']])).toThrow(TypeError);
  });

  it('trailers get no status or date', () => {
    expect(trailerFields({ 'X-Checksum': 'abc' })).toEqual([['x-checksum', 'abc']]);
  });

  it('httpDate is an IMF-fixdate', () => {
    expect(httpDate()).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
  });
});
