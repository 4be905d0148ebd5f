/**
 * English messages. This catalogue defines the keys: the Arabic one must have exactly
 * the same (the type checker and a unit test both say so).
 */
import type { Message } from './types';

export const en = {
  'app.name': 'Tadhkira',
  'app.tagline': 'Help desk that works offline',
  'lang.label': 'Language',
  'lang.en': 'English',
  'lang.ar': 'العربية',
  'theme.label': 'Theme',
  'theme.system': 'System',
  'theme.light': 'Light',
  'theme.dark': 'Dark',

  'signin.title': 'Sign in',
  'signin.server': 'Server address',
  'signin.email': 'E-mail',
  'signin.password': 'Password',
  'signin.submit': 'Sign in',
  'signin.submitting': 'Signing in…',
  'signin.check': 'Check server',
  'signin.demo_hint': 'Demo: customer@nile.example, password demo1234',

  'server.checking': 'Checking the server…',
  'server.ok': 'Connected to Tadhkira server {version}',
  'server.unknown': 'Server not checked yet',

  'error.unreachable': 'The server cannot be reached. Check the address and your network.',
  'error.incompatible': 'This server is not a Tadhkira server this app can talk to.',
  'error.bad_url': 'The server address must start with http:// or https://.',
  'error.not_signed_in': 'Please sign in first.',
  'error.invalid': 'Some fields are not valid.',
  'error.internal': 'Something went wrong inside the app.',
  'error.code.invalid': 'The server did not accept the request.',
  'error.code.unauthorized': 'Your session has ended. Please sign in again.',
  'error.code.forbidden': 'You are not allowed to do this.',
  'error.code.not_found': 'Not found.',
  'error.code.subscription_inactive': 'Your organisation’s subscription has lapsed: new tickets cannot be filed.',
  'error.code.depends_on_rejected': 'An earlier change this depends on was rejected.',
  'error.code.conflict': 'This change conflicts with another one.',
  'error.code.rate_limited': 'Too many attempts. Please wait a moment.',
  'error.code.too_large': 'This is too large to send.',
  'error.code.bad_credentials': 'The e-mail or password is wrong.',
  'error.code.internal': 'The server had a problem. Try again later.',

  'sync.queued': { one: '{count} change queued', other: '{count} changes queued' },
} satisfies Record<string, Message>;

/** Every message key. */
export type MessageKey = keyof typeof en;
