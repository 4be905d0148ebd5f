/**
 * Channels on the ticket screen (issue 19): how a logged call or remote session reads
 * on the timeline, and WhatsApp's 24-hour customer-service window, derived from the
 * ticket's own messages (the customer's last one) rather than kept twice.
 */
import type { EventKind } from '../generated/EventKind';
import type { Message } from '../generated/Message';
import type { Ticket } from '../generated/Ticket';
import { n, t } from './i18n/index.svelte';

type ContactLogged = Extract<EventKind, { type: 'contact_logged' }>;

/** "logged a remote session (outgoing, 25 min) — Session 123 in AnyDesk — notes". */
export function describeContact(kind: ContactLogged): string {
  const parts = [
    t('event.contact_logged', {
      what: t(kind.channel === 'remote' ? 'contact.what.remote' : 'contact.what.phone'),
      direction: t(`contact.direction.${kind.direction}`),
      minutes: n(kind.minutes),
    }),
  ];
  if (kind.remote_id || kind.remote_tool) {
    parts.push(t('contact.remote_session', { id: kind.remote_id ?? '—', tool: kind.remote_tool ?? '—' }));
  }
  if (kind.notes) parts.push(kind.notes);
  return parts.join(' — ');
}

/** Hours WhatsApp keeps the window open after the customer's last message. */
export const WINDOW_HOURS = 24;

/** When the window closes (ms since the epoch), or `null` when the customer never
 * wrote on this ticket; `undefined` for a ticket that is not a WhatsApp one. */
export function windowClosesAt(ticket: Ticket, messages: Message[], hours = WINDOW_HOURS): number | null | undefined {
  if (ticket.channel !== 'whatsapp') return undefined;
  let last: number | null = null;
  for (const m of messages) {
    if (m.author_id !== ticket.requester_id || m.visibility !== 'public') continue;
    const at = Date.parse(m.created_at);
    if (last === null || at > last) last = at;
  }
  // The ticket itself was the customer's first message when they opened it by WhatsApp.
  if (ticket.created_by === ticket.requester_id) {
    const at = Date.parse(ticket.created_at);
    if (last === null || at > last) last = at;
  }
  return last === null ? null : last + hours * 3_600_000;
}
