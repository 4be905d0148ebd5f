// Every error the app can get has a translated message in both languages: by kind, and
// by server code.
import { describe, expect, it } from 'vitest';
import type { EngineErrorCode } from '../../src/generated/EngineErrorCode';
import type { ErrorCode } from '../../src/generated/ErrorCode';
import { errorKey } from '../../src/lib/errors';
import { ar } from '../../src/lib/i18n/ar';
import { en } from '../../src/lib/i18n/en';

// Records keyed by the generated types: a code or kind added in Rust (or one removed)
// fails `npm run check` until it is listed here, and the tests below then require its
// messages. The keys are the values the tests iterate.
const SERVER_CODES: Record<ErrorCode, true> = {
  invalid: true,
  unauthorized: true,
  forbidden: true,
  not_found: true,
  subscription_inactive: true,
  depends_on_rejected: true,
  conflict: true,
  rate_limited: true,
  too_large: true,
  bad_credentials: true,
  internal: true,
  busy: true,
  reopen_window_passed: true,
  cursor_ahead: true,
  password_change_required: true,
  unsupported_type: true,
  terms_not_accepted: true,
};
const KINDS: Record<EngineErrorCode, true> = {
  not_signed_in: true,
  locked: true,
  invalid: true,
  not_found: true,
  offline: true,
  server: true,
  incompatible: true,
  storage: true,
  plain_http_refused: true,
  disk_full: true,
};
const codes = Object.keys(SERVER_CODES) as ErrorCode[];
const kinds = Object.keys(KINDS) as EngineErrorCode[];

describe('errorKey', () => {
  it('maps every server code to its own message, in English and Arabic', () => {
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) {
      const key = errorKey({ kind: 'server', code, message: 'x' });
      expect(key).toBe(`error.code.${code}`);
      expect(en[key], `en ${key}`).toBeTruthy();
      expect(ar[key], `ar ${key}`).toBeTruthy();
    }
  });

  it('maps every other kind to a message, in English and Arabic', () => {
    expect(kinds.length).toBeGreaterThan(0);
    for (const kind of kinds) {
      const key = errorKey({ kind, code: null, message: 'x' });
      expect(key).toBe(`error.${kind}`);
      expect(en[key], `en ${key}`).toBeTruthy();
      expect(ar[key], `ar ${key}`).toBeTruthy();
    }
  });

  it('falls back to the kind when a server error carries no code', () => {
    expect(errorKey({ kind: 'server', code: null, message: 'x' })).toBe('error.server');
  });
});
