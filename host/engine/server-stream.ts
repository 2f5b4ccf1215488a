// ServerStream: a request stream in the server position, as the handler sees
// it (the ServerStream contract in types.ts): the request's fields and the
// response the handler sends.

import { flattenFields, sameFields, type FlatHeaderList, type HeaderList } from '../core/hpack.js';
import { coarseNow } from './clock.js';
import { pairsOf, type RequestHead } from './message-check.js';
import { Stream, type StreamOwner } from './stream.js';
import type { HeaderInit, ServerStream as ServerStreamApi } from './types.js';
import { addField, checkValue, forEachField, lowerName } from './fields.js';

/** ServerStream implements the handler's ServerStream over one connection. */
export class ServerStream extends Stream implements ServerStreamApi {
  readonly method: string;
  readonly path: string;
  readonly scheme: string;
  readonly authority: string;
  hasBody: boolean;
  /** The request's field list was over SETTINGS_MAX_HEADER_LIST_SIZE: it gets a 431, not the handler. */
  headersTooLarge = false;

  /** The request's fields as [name, value] pairs, made when first asked for. */
  private pairs: HeaderList | null = null;

  constructor(
    id: number,
    owner: StreamOwner,
    /** The request's fields as decoded (name, value, ...): one array per request. */
    readonly fieldList: FlatHeaderList,
    head: RequestHead,
    endStream: boolean,
  ) {
    super(id, owner);
    this.method = head.method;
    this.path = head.path;
    this.scheme = head.scheme;
    this.authority = head.authority;
    this.contentLength = head.contentLength;
    this.hasBody = !endStream;
    this.bodyDone = endStream;
  }

  /** The request's fields, pseudo-headers first, as [name, value] pairs (never-indexed names in
   *  headers[sensitiveHeaders]). */
  get headers(): HeaderList {
    return (this.pairs ??= pairsOf(this.fieldList));
  }

  respond(status: number, headers?: HeaderInit, endStream = false): void {
    if (this.headersSent) throw new Error(`h2wasm: stream ${this.id}: the response has already been started`);
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`h2wasm: bad status ${status}`);
    if (this.resetError !== null) return;
    this.headersSent = true;
    const fields = responseFields(status, headers);
    if (endStream) this.endQueued = true;
    this.owner.sendHeaders(this, fields, endStream);
  }

  /** A response begun by write() or end() is a 200. */
  protected override startMessage(): void {
    if (!this.headersSent) this.respond(200);
  }

  /** RFC 9110 §9.3.2: the response to HEAD carries no content. */
  protected override get bodyAllowed(): boolean {
    return this.method !== 'HEAD';
  }
}

/** responseFields makes a response's field list: :status, then date, then the application's
 *  fields with names lowercased and values checked. RFC 9110 §6.6.1: "An origin server with a clock
 *  ... MUST generate a Date header field"; a date the application sets replaces ours. */
export function responseFields(status: number, headers: HeaderInit | undefined): HeaderList {
  const date = httpDate();
  const last = lastMade;
  if (last !== null && last.status === status && last.date === date && last.init === headers && sameGiven(headers, last.given)) {
    return last.fields;
  }
  const fields: HeaderList = [[':status', STATUS_STRINGS[status] ?? String(status)], ['date', date]];
  if (headers !== undefined) forEachField(headers, addResponseField, fields);
  if (headers === undefined || Array.isArray(headers)) lastMade = { status, date, init: headers, given: givenOf(headers), fields };
  return fields;
}

/** The list responseFields made last, what it was made from (the field array as given, by its
 *  names and values, so a caller that changes its array in place is not answered from here), and
 *  this second's date. A route that answers with one constant field list (most do) gets the list
 *  already lowercased and checked. The list is only encoded, never changed, by the engine. */
let lastMade: { status: number; date: string; init: HeaderInit | undefined; given: string[]; fields: HeaderList } | null = null;

/** givenOf returns the names and values of a field array as given (name, value, ...). */
function givenOf(headers: HeaderInit | undefined): string[] {
  return headers === undefined ? [] : flattenFields(headers as ReadonlyArray<readonly [string, string]>);
}

/** sameGiven reports whether a field array (or undefined) still holds the names and values of given. */
function sameGiven(headers: HeaderInit | undefined, given: string[]): boolean {
  return headers === undefined ? given.length === 0 : sameFields(headers as ReadonlyArray<readonly [string, string]>, given);
}

let dateSecond = -1;
let dateValue = '';

/** httpDate returns the current IMF-fixdate (RFC 9110 §5.6.7), made once a second for every connection. */
export function httpDate(): string {
  const now = coarseNow();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateValue = new Date(now).toUTCString();
  }
  return dateValue;
}

/** addResponseField is addField for a response, where a date field replaces the one responseFields put second. */
function addResponseField(fields: HeaderList, name: string, value: string): void {
  if (name.length === 4 && lowerName(name) === 'date') {
    checkValue('date', value);
    fields[1] = ['date', value];
    return;
  }
  addField(fields, name, value);
}

const STATUS_STRINGS: Record<number, string> = {};
for (const s of [200, 204, 206, 304, 400, 404, 500]) STATUS_STRINGS[s] = String(s);
