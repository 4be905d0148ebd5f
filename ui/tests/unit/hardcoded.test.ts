// No text a person reads is written into a component: every visible string and every
// accessible name comes from the message catalogues (issue 6). Also: layout uses
// logical properties only, so right-to-left needs no second stylesheet.
import { describe, expect, it } from 'vitest';
import globalCss from '../../src/app.css?raw';

// Every component's source, by path (Vite reads them at test time).
const SOURCES = import.meta.glob<string>('../../src/**/*.svelte', { query: '?raw', import: 'default', eager: true });

/** The markup of a component: no script, style, comments or `{expressions}`. */
function markup(source: string): string {
  let s = source.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<style[\s\S]*?<\/style>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  // Innermost braces first, until none are left (expressions may nest).
  for (let before = ''; before !== s; ) {
    before = s;
    s = s.replace(/\{[^{}]*\}/g, '');
  }
  return s;
}

const files = Object.keys(SOURCES);
const READ_ATTRS = ['placeholder', 'title', 'aria-label', 'alt', 'label', 'value'];

describe('components', () => {
  it('are found', () => {
    expect(files.length).toBeGreaterThan(8);
  });

  for (const file of files) {
    const name = file.replace('../../src/', '');
    const source = SOURCES[file] ?? '';

    it(`${name}: no hard-coded text between tags`, () => {
      const text = markup(source)
        .replace(/<[^>]*>/g, ' ')
        .split(/\s+/)
        .filter((w) => /[A-Za-z\u0600-\u06FF]/.test(w));
      expect(text).toEqual([]);
    });

    it(`${name}: no hard-coded text in attributes people read`, () => {
      const found: string[] = [];
      for (const attr of READ_ATTRS) {
        for (const m of markup(source).matchAll(new RegExp(`\\s${attr}="([^"]*)"`, 'g'))) {
          if (/[A-Za-z\u0600-\u06FF]/.test(m[1] ?? '') && attr !== 'value') found.push(`${attr}="${m[1]}"`);
        }
      }
      expect(found).toEqual([]);
    });

    it(`${name}: styles use logical properties only`, () => {
      // The <style> block, inline style="…" attributes and style:property directives.
      const style = [
        source.match(/<style[\s\S]*?<\/style>/)?.[0] ?? '',
        ...[...source.matchAll(/\sstyle="([^"]*)"/g)].map((m) => m[1]),
        ...[...source.matchAll(/\sstyle:([\w-]+)/g)].map((m) => ` ${m[1]}:`),
      ].join(';');
      const physical = style.match(
        /(?:^|[\s;{])(?:margin|padding|border)-(?:left|right|top|bottom)\b|(?:^|[\s;{])(?:left|right|top|bottom)\s*:|text-align:\s*(?:left|right)|float:\s*(?:left|right)|(?:^|[\s;{])(?:width|height|min-width|max-width|min-height|max-height)\s*:/g,
      );
      expect(physical ?? []).toEqual([]);
    });
  }

  it('the global stylesheet uses logical properties only', () => {
    const physical = globalCss.match(
      /(?:^|[\s;{])(?:margin|padding|border)-(?:left|right|top|bottom)\b|(?:^|[\s;{])(?:left|right|top|bottom)\s*:|text-align:\s*(?:left|right)|(?:^|[\s;{])(?:width|height|min-width|max-width|min-height|max-height)\s*:/g,
    );
    expect(physical ?? []).toEqual([]);
  });
});
