/**
 * Themes: `light`, `dark` or follow the `system`. The choice is a `data-theme` attribute
 * on `<html>`; colours come from CSS custom properties keyed on it (app.css), so a
 * switch applies at once, without a reload.
 */
export type Theme = 'system' | 'light' | 'dark';

/** Every theme, in the order the picker shows them. */
export const THEMES: readonly Theme[] = ['system', 'light', 'dark'];

/** Applies `theme` to the document. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}
