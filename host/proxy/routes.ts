// Routes of the reverse proxy: `[HOST]/PREFIX=BACKEND[,BACKEND...]`. The
// longest matching path prefix wins; a route naming a HOST matches only that
// :authority (or Host), compared without its port and case, and is preferred
// over a route without one at the same prefix length. Runtime-neutral.

/** Route sends requests whose path starts with prefix (and, with host, whose authority is host) to backends. */
export interface Route {
  /** Lowercase host without port, or null for any. */
  host: string | null;
  prefix: string;
  /** Backend URLs: http://host:port (HTTP/1.1), h2c://host:port (HTTP/2, prior knowledge), https://host:port (TLS, ALPN). */
  backends: string[];
  /** The text the route was made from (labels, logs). */
  spec: string;
}

const BACKEND_SCHEMES = new Set(['http:', 'h2c:', 'https:']);

/** parseRoute reads one --route value. */
export function parseRoute(spec: string): Route {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new RangeError(`route ${JSON.stringify(spec)}: expected [HOST]/PREFIX=BACKEND[,BACKEND...]`);
  const left = spec.slice(0, eq).trim();
  const slash = left.indexOf('/');
  if (slash < 0) throw new RangeError(`route ${JSON.stringify(spec)}: the prefix must start with /`);
  const host = left.slice(0, slash).trim().toLowerCase();
  const backends = spec.slice(eq + 1).split(',').map((b) => b.trim()).filter(Boolean);
  if (backends.length === 0) throw new RangeError(`route ${JSON.stringify(spec)}: no backend`);
  for (const b of backends) {
    let url: URL;
    try {
      url = new URL(b);
    } catch {
      throw new RangeError(`route ${JSON.stringify(spec)}: bad backend ${JSON.stringify(b)}`);
    }
    if (!BACKEND_SCHEMES.has(url.protocol) || url.port === '' && url.protocol === 'h2c:') {
      throw new RangeError(`route ${JSON.stringify(spec)}: backend ${b} must be http://host:port, h2c://host:port or https://host:port`);
    }
  }
  return { host: host === '' ? null : stripPort(host), prefix: left.slice(slash), backends, spec };
}

/** stripPort returns an authority's host without its port ("[::1]:8080" → "[::1]"). */
export function stripPort(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end < 0 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.lastIndexOf(':');
  return colon < 0 ? authority : authority.slice(0, colon);
}

/** RouteTable finds the route for a request. */
export class RouteTable {
  /** Routes, most specific first: longer prefix, then with a host. */
  private readonly ordered: Route[];

  constructor(readonly routes: Route[]) {
    this.ordered = [...routes].sort((a, b) => b.prefix.length - a.prefix.length || Number(b.host !== null) - Number(a.host !== null));
  }

  /** match returns the route for an authority and a path, or null (the proxy answers 404). */
  match(authority: string, path: string): Route | null {
    const host = stripPort(authority).toLowerCase();
    for (const r of this.ordered) {
      if (r.host !== null && r.host !== host) continue;
      if (path.startsWith(r.prefix)) return r;
    }
    return null;
  }
}
