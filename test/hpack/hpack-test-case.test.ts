// The hpack-test-case interoperability stories (../shared/hpack-test-case):
// decode every implementation's encoding, and round-trip the raw header sets
// through our encoder, our decoder and an independent decoder (hpack.js).
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { CODECS, hex, sharedCore } from '../helpers/codecs.js';
import { plain, type Field } from '../helpers/hpack.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CORPUS = path.join(repoRoot, '..', 'shared', 'hpack-test-case');
const HAVE_CORPUS = existsSync(CORPUS);
if (!HAVE_CORPUS) {
  console.warn(`hpack-test-case: ${CORPUS} is missing, so the interoperability stories are SKIPPED`);
}

interface StoryCase {
  seqno?: number;
  header_table_size?: number | null;
  wire?: string;
  headers: Array<Record<string, string>>;
}
interface Story {
  file: string;
  cases: StoryCase[];
}

function folders(): string[] {
  if (!HAVE_CORPUS) return [];
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function stories(folder: string): Story[] {
  return readdirSync(path.join(CORPUS, folder))
    .filter((f) => /^story_\d+\.json$/.test(f))
    .sort()
    .map((file) => ({ file: `${folder}/${file}`, cases: (JSON.parse(readFileSync(path.join(CORPUS, folder, file), 'utf8')) as Story).cases }));
}

function fields(c: StoryCase): Field[] {
  return c.headers.map((h) => {
    const entries = Object.entries(h);
    if (entries.length !== 1) throw new Error(`a header object with ${entries.length} keys`);
    return entries[0] as Field;
  });
}

const ENCODED = folders().filter((f) => f !== 'raw-data');
const HAVE_RAW = folders().includes('raw-data');

describe.skipIf(!HAVE_CORPUS)('hpack-test-case corpus', () => {
  it('has the implementation folders and raw-data the suite expects', () => {
    expect(ENCODED.length).toBeGreaterThanOrEqual(1);
    expect(HAVE_RAW).toBe(true);
    for (const f of [...ENCODED, 'raw-data']) expect(stories(f).length, f).toBeGreaterThan(0);
  });
});

describe.skipIf(!HAVE_CORPUS)('hpack-test-case stories', () => {
describe.each(CODECS)('%s', (codec) => {
  const open: Array<{ close(): void }> = [];
  afterAll(() => {
    for (const c of open.splice(0)) c.close();
  });

  for (const folder of ENCODED) {
    it(`decodes every story of ${folder}, one decoder per story, headers in order`, async () => {
      const core = await sharedCore(codec);
      const failures: string[] = [];
      let blocks = 0;
      for (const story of stories(folder)) {
        const dec = core.hpackDecoder();
        let tableSize = 4096;
        try {
          for (const c of story.cases) {
            // header_table_size is the setting acknowledged before this case
            // (absent or null: none); an unchanged value is no change (RFC 7541
            // §4.2 signals changes).
            if (c.header_table_size != null && c.header_table_size !== tableSize) {
              dec.setMaxTableSize(c.header_table_size);
              tableSize = c.header_table_size;
            }
            blocks++;
            let got: Field[];
            try {
              got = plain(dec.decode(hex(c.wire!)));
            } catch (err) {
              failures.push(`${story.file} case ${c.seqno}: threw ${String(err)}`);
              break;
            }
            const want = fields(c);
            if (JSON.stringify(got) !== JSON.stringify(want)) {
              failures.push(`${story.file} case ${c.seqno}: got ${JSON.stringify(got).slice(0, 300)}, want ${JSON.stringify(want).slice(0, 300)}`);
              break;
            }
          }
        } finally {
          dec.close();
        }
      }
      expect(failures.slice(0, 5)).toEqual([]);
      expect(blocks).toBeGreaterThan(0);
    });
  }

  it.skipIf(!HAVE_RAW)('round-trips every raw-data story: one encoder and one fresh decoder per story (huffman auto)', async () => {
    const core = await sharedCore(codec);
    const failures: string[] = [];
    let raw = 0;
    let encoded = 0;
    for (const story of stories('raw-data')) {
      const enc = core.hpackEncoder({ huffman: 'auto' });
      const dec = core.hpackDecoder();
      open.push(enc, dec);
      story.cases.forEach((c, i) => {
        const want = fields(c);
        const out = enc.encode(want.map(([n, v]) => [n, v] as Field));
        raw += want.reduce((n, [a, b]) => n + a.length + b.length, 0);
        encoded += out.length;
        const got = plain(dec.decode(out));
        if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${story.file} case ${i}: got ${JSON.stringify(got).slice(0, 300)}`);
      });
    }
    expect(failures.slice(0, 5)).toEqual([]);
    // The corpus compresses well with any table-using encoder; this catches an
    // encoder that quietly stops indexing or using Huffman.
    expect(encoded).toBeLessThan(raw * 0.35);
  });

  it.skipIf(!HAVE_RAW)('encodes raw-data stories that hpack.js, an independent decoder, reads back', async () => {
    const require = createRequire(import.meta.url);
    const hpackjs = require('hpack.js') as {
      decompressor: { create(o: { table: { maxSize: number } }): HpackJsDecompressor };
    };
    const core = await sharedCore(codec);
    const failures: string[] = [];
    const all = stories('raw-data');
    // A sample: every third story (all of them take a few seconds in hpack.js).
    for (const story of all.filter((_, i) => i % 3 === 0)) {
      const enc = core.hpackEncoder({ maxTableSize: 4096, huffman: 'auto' });
      open.push(enc);
      const theirs = hpackjs.decompressor.create({ table: { maxSize: 4096 } });
      story.cases.forEach((c, i) => {
        const want = fields(c);
        const out = enc.encode(want.map(([n, v]) => [n, v] as Field));
        theirs.write(Buffer.from(out));
        theirs.execute();
        const got: Field[] = [];
        for (let h = theirs.read(); h !== null; h = theirs.read()) got.push([h.name, h.value]);
        if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${story.file} case ${i}: hpack.js read ${JSON.stringify(got).slice(0, 300)}`);
      });
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });
});
});

interface HpackJsDecompressor {
  write(b: Buffer): void;
  execute(): void;
  read(): { name: string; value: string; neverIndex: boolean } | null;
}
