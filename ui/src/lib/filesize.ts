/** A file's size in the user's language (bytes, KiB or MiB, one decimal). */
import { n, t } from './i18n/index.svelte';

export function fileSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return t('file.size_mib', { size: n(Math.round((bytes / (1024 * 1024)) * 10) / 10) });
  if (bytes >= 1024) return t('file.size_kib', { size: n(Math.round((bytes / 1024) * 10) / 10) });
  return t('file.size_bytes', { size: n(bytes) });
}

/** A file's name as shown: without control characters or bidi overrides (the server
 * refuses them already; this keeps any that slipped through from reordering the line). */
export function shownName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/g, '');
}

/** A short tag of a file's kind for its icon (its extension in capitals, else FILE);
 * drawn as text so it needs no emoji font. */
export function kindTag(name: string): string {
  const ext = /\.([A-Za-z0-9]{1,4})$/.exec(name)?.[1];
  return ext ? ext.toUpperCase() : 'FILE';
}
