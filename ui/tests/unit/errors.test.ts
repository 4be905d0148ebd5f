// Every error the app can get has a translated message: by kind, and by server code.
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/generated/ErrorCode';
import type { EngineErrorCode } from '../../src/generated/engine/EngineErrorCode';
import { errorKey } from '../../src/lib/errors';
import { en } from '../../src/lib/i18n/en';

// `satisfies` makes these lists fail to compile when a kind or code is added in Rust.
const CODES = [
  'invalid', 'unauthorized', 'forbidden', 'not_found', 'subscription_inactive', 'depends_on_rejected',
  'conflict', 'rate_limited', 'too_large', 'bad_credentials', 'internal',
] as const satisfies readonly ErrorCode[];
const KINDS = [
  'not_signed_in', 'locked', 'invalid', 'not_found', 'offline', 'server', 'incompatible', 'storage',
] as const satisfies readonly EngineErrorCode[];

type Missing<All, Listed> = Exclude<All, Listed>;
const noCodeMissing: Missing<ErrorCode, (typeof CODES)[number]> extends never ? true : false = true;
const noKindMissing: Missing<EngineErrorCode, (typeof KINDS)[number]> extends never ? true : false = true;

describe('errorKey', () => {
  it('lists every code and kind', () => {
    expect(noCodeMissing && noKindMissing).toBe(true);
  });

  it('maps every server code to its own message', () => {
    for (const code of CODES) {
      const key = errorKey({ kind: 'server', code, message: 'x' });
      expect(key).toBe(`error.code.${code}`);
      expect(en[key]).toBeTruthy();
    }
  });

  it('maps every other kind to a message', () => {
    for (const kind of KINDS) {
      const key = errorKey({ kind, code: null, message: 'x' });
      expect(en[key], kind).toBeTruthy();
    }
  });
});
