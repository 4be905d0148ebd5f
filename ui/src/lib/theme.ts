/**
 * Themes: `light`, `dark` or follow the `system`. The choice is a `data-theme` attribute
 * on `<html>`; colours come from CSS custom properties keyed on it (app.css), so a
 * switch applies at once, without a reload.
 */
import type { Theme } from '../generated/Theme';

export type { Theme } from '../generated/Theme';

// Keyed by every theme, so one added in Rust fails to compile until it is listed here;
// the order is the picker's.
const LISTED: Record<Theme, true> = { system: true, light: true, dark: true };

/** Every theme, in the order the picker shows them. */
export const THEMES: readonly Theme[] = Object.keys(LISTED) as Theme[];

/** Applies `theme` to the document. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}
