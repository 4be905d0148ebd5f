/**
 * The direction of a piece of text from its first strong letter (the rule of
 * `dir="auto"`), worked out here rather than left to the engine: WebKitGTK kept some
 * `dir="auto"` paragraphs right-to-left after their English text was filled in, so an
 * English reply in the Arabic UI read ".Since this morning…" (seen in the real app).
 * Text with no letter at all takes the page's direction.
 */
const RTL_SCRIPTS = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
const LETTER = /\p{L}/u;

export function textDir(text: string | null | undefined): 'ltr' | 'rtl' | 'auto' {
  for (const ch of text ?? '') {
    if (LETTER.test(ch)) return RTL_SCRIPTS.test(ch) ? 'rtl' : 'ltr';
  }
  return 'auto';
}
