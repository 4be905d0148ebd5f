# Messages of the `tadhkira` command-line client (help text stays English: clap's).
# Ids start with `cli-`. Variables named $count are numbers and choose the plural form.
# Scripts should read `--json`; these lines are for people.

## Counts

cli-tickets-count =
    { $count ->
        [0] No tickets
        [one] { $count } ticket
       *[other] { $count } tickets
    }
# `list` when only part of the matching tickets is shown (else cli-tickets-count).
cli-list-count = { $shown } of { $total }
cli-outbox-count =
    { $count ->
        [one] { $count } entry
       *[other] { $count } entries
    }

## Results and status lines

cli-password-prompt = password for { $email }:
cli-signed-in = signed in as { $name } ({ $role }) on { $server }
cli-signed-out = signed out
cli-whoami = { $name } <{ $email }> on { $server }
cli-ticket-created = #{ $number } { $id }
cli-ticket-queued = queued { $id }
cli-message-saved = message { $id }
cli-sync-summary = pushed { $pushed } (accepted { $accepted }, rejected { $rejected }), pulled { $pulled }, { $queued } queued, { $held } rejected
cli-sync-offline =
    server unreachable ({ $reason }); { $count ->
        [one] { $count } change stays queued
       *[other] { $count } changes stay queued
    }
cli-some-rejected = some changes were rejected; see `tadhkira outbox`
cli-saved-offline = saved locally; server unreachable ({ $reason }), the change stays queued
cli-saved-sync-failed = saved locally; sync failed: { $error }
cli-watching = watching as { $email }

## Ticket detail and lists

cli-number-queued = (queued)
cli-detail-fields = status { $status }  priority { $priority }  tier { $tier }  channel { $channel }  assignee { $assignee }
cli-detail-requester = requester { $name } ({ $org })
cli-nobody = nobody
cli-timeline-reply = reply by { $author }: { $body }
cli-timeline-note = note by { $author }: { $body }
cli-event-created = { $actor } created via { $channel }
cli-event-status = { $actor } status { $from } → { $to }
cli-event-priority = { $actor } priority { $from } → { $to }
cli-event-assigned = { $actor } assigned to { $name }
cli-event-category = { $actor } category { $category }
cli-event-title = { $actor } title → { $title }
cli-event-escalated = { $actor } escalated to { $tier }: { $reason }
cli-event-overwritten = { $actor } overwrote { $field } (was { $value })
cli-outbox-line = { $id }  { $kind }  ticket { $ticket }  { $state }
cli-outbox-queued = queued
cli-outbox-rejected = rejected
cli-outbox-rejected-because = rejected ({ $code }: { $message })

# Wire values shown to people; an unknown value is shown as it is.
cli-status =
    { $value ->
        [new] new
        [open] open
        [pending] pending
        [on_hold] on hold
        [solved] solved
        [closed] closed
       *[other] { $value }
    }
cli-priority =
    { $value ->
        [low] low
        [normal] normal
        [high] high
        [urgent] urgent
       *[other] { $value }
    }
cli-channel =
    { $value ->
        [desktop] desktop
        [portal] portal
        [email] e-mail
        [phone] phone
        [remote] remote session
        [whatsapp] WhatsApp
       *[other] { $value }
    }
cli-role =
    { $value ->
        [customer] customer
        [agent] agent
        [admin] admin
       *[other] { $value }
    }

## Errors (printed after `tadhkira: ` on standard error)

cli-error-no-data-dir = no per-user data folder here; pass --data-dir
cli-error-bad-value = { $what }: { $error }
cli-error-unknown-choice = { $what }: unknown { $value } ({ $choices })
cli-error-no-outbox-entry = no outbox entry { $id }
cli-error-edit-kind = --body edits a reply or note, --title a ticket's creation
cli-error-not-signed-in = not signed in (sign in with `tadhkira login`)
cli-error-locked = the data folder { $dir } is in use by another Tadhkira process
cli-error-invalid = invalid: { $detail }
cli-error-not-found = not found: { $detail }
cli-error-offline = server unreachable: { $detail }
cli-error-server = { $code }: { $message }
cli-error-incompatible = incompatible server: { $detail }
cli-error-storage = local storage: { $detail }
