/**
 * Links to knowledge-base articles inside ticket messages. Staff insert one into a reply
 * as `tadhkira://article/<id>` (plain text, so it survives the outbox, the server, the
 * CLI and e-mail unchanged); the app shows it as a button that opens the article inside
 * the app from the local store, never in the browser. Anything else in a message stays
 * text.
 */

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The scheme and path an article link starts with. */
export const ARTICLE_LINK_PREFIX = 'tadhkira://article/';

/** A piece of a message: text, or a link to the article `article`. */
export type Piece = { text: string; article?: undefined } | { text: string; article: string };

/** The link to an article. */
export function articleLink(id: string): string {
  return `${ARTICLE_LINK_PREFIX}${id}`;
}

/** `text` cut into plain text and article links, in order; joined back it is `text`. */
export function splitArticleLinks(text: string): Piece[] {
  const pieces: Piece[] = [];
  const re = new RegExp(`tadhkira://article/(${UUID})`, 'gi');
  let last = 0;
  for (const m of text.matchAll(re)) {
    const at = m.index ?? 0;
    if (at > last) pieces.push({ text: text.slice(last, at) });
    pieces.push({ text: m[0], article: (m[1] ?? '').toLowerCase() });
    last = at + m[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last) });
  return pieces;
}

/** `body` with a line naming the article and linking to it added at the end. */
export function withArticleLink(body: string, title: string, id: string): string {
  const line = `${title.trim()}: ${articleLink(id)}`;
  if (!body.trim()) return `${line}\n`;
  return `${body.replace(/\s+$/, '')}\n${line}\n`;
}
