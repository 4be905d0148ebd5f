/**
 * The one module that calls Rust. Every Tauri command the app has is wrapped here with
 * its argument and result types, generated from the Rust types (src/generated/), so a
 * change on either side is a type error, not a runtime surprise.
 */
import { invoke } from '@tauri-apps/api/core';
import type { Health } from '../generated/Health';
import type { IpcError } from '../generated/IpcError';

export type { IpcError } from '../generated/IpcError';

/** Whether a thrown value is an error from a command (as opposed to a bug in the UI). */
export function isIpcError(e: unknown): e is IpcError {
  return typeof e === 'object' && e !== null && 'kind' in e && 'message' in e;
}

/** Turns anything a command threw into an `IpcError`. */
export function asIpcError(e: unknown): IpcError {
  if (isIpcError(e)) return e;
  return { kind: 'internal', code: null, message: String(e) };
}

/** The server address to start with (`TADHKIRA_SERVER_URL` or the local demo helpdesk). */
export function defaultServerUrl(): Promise<string> {
  return invoke<string>('default_server_url');
}

/** Checks that `url` is a Tadhkira server this app can talk to. */
export function checkServer(url: string): Promise<Health> {
  return invoke<Health>('check_server', { url });
}
