// Article links in ticket messages: found wherever they are, case-insensitively, and
// nothing else taken for one; inserting one keeps what was already typed.
import { describe, expect, it } from 'vitest';
import { articleLink, splitArticleLinks, withArticleLink } from '../../src/lib/articleLinks';

const ID = '0190a1b2-0000-7000-8000-0000000000d1';

describe('article links', () => {
  it('cuts a message into text and links, losing nothing', () => {
    const text = `Try this: ${articleLink(ID)} and tell us.\nAlso TADHKIRA://ARTICLE/${ID.toUpperCase()}`;
    const pieces = splitArticleLinks(text);
    expect(pieces.map((p) => p.text).join('')).toBe(text);
    expect(pieces.filter((p) => p.article).map((p) => p.article)).toEqual([ID, ID]);
    expect(pieces[0]).toEqual({ text: 'Try this: ' });
  });

  it('takes nothing else for a link', () => {
    for (const text of ['tadhkira://article/not-an-id', 'https://example.com/article/' + ID, 'tadhkira://ticket/' + ID, '']) {
      expect(splitArticleLinks(text).some((p) => p.article)).toBe(false);
    }
  });

  it('adds the article on its own line after what was typed', () => {
    expect(withArticleLink('', ' Printer offline ', ID)).toBe(`Printer offline: ${articleLink(ID)}\n`);
    expect(withArticleLink('Hello,\n\n', 'VPN', ID)).toBe(`Hello,\nVPN: ${articleLink(ID)}\n`);
  });
});
