// The direction of ticket text, from its first letter.
import { describe, expect, it } from 'vitest';
import { textDir } from '../../src/lib/bidi';

describe('textDir', () => {
  it('follows the first letter, skipping digits, marks and punctuation', () => {
    expect(textDir('Since this morning every label comes out blank.')).toBe('ltr');
    expect(textDir('الطابعة لا تعمل منذ الصباح')).toBe('rtl');
    expect(textDir('#1042: الطابعة')).toBe('rtl');
    expect(textDir('«VPN» لا يعمل')).toBe('ltr');
    expect(textDir('  ١٢٣ — שלום')).toBe('rtl');
  });

  it('leaves text with no letter to the page', () => {
    expect(textDir('12:30 — 42')).toBe('auto');
    expect(textDir('')).toBe('auto');
    expect(textDir(null)).toBe('auto');
  });
});
