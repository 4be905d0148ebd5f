/** Maps a command error to the message key the UI shows: by kind and code, never by text. */
import type { MessageKey } from './i18n/index.svelte';
import type { IpcError } from './ipc';

/** The translated-message key for an error. */
export function errorKey(e: IpcError): MessageKey {
  if (e.kind === 'server' && e.code) return `error.code.${e.code}`;
  return `error.${e.kind}`;
}
