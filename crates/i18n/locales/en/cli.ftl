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
cli-articles-count =
    { $count ->
        [0] No articles
        [one] { $count } article
       *[other] { $count } articles
    }
cli-outbox-count =
    { $count ->
        [one] { $count } entry
       *[other] { $count } entries
    }

## Results and status lines

cli-password-prompt = password for { $email }:
cli-signed-in = signed in as { $name } ({ $role }) on { $server }
cli-article-meta = language { $lang } · { $category } · version { $version } · by { $author }
cli-article-no-category = no category
cli-signed-out = signed out
cli-whoami = { $name } <{ $email }> on { $server }
cli-ticket-created = #{ $number } { $id }
cli-ticket-queued = queued { $id }
cli-message-saved = message { $id }
cli-attachment-saved = saved { $path }
cli-attachment-line =   📎 { $n }. { $name } ({ $size })
cli-attachment-queued =   📎 { $n }. { $name } ({ $size }, queued)
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
cli-none = none
cli-detail-contact = contact { $contact }
cli-detail-category = category { $category }
cli-detail-checks = first-line checks:
cli-detail-system-info = system information:
cli-detail-no-system-info = system information: not attached
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
cli-event-lapsed-override = { $actor } logged it although { $org }'s subscription is not active: { $reason }
cli-event-auto-closed = closed by itself after { $days } days solved
cli-event-pending-reminder = reminded the customer after { $days } days waiting on them
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
        [other] walk-in / other
       *[unknown] { $value }
    }
cli-check =
    { $value ->
        [restarted] restarted the application or device
        [network_checked] checked the network connection
        [help_articles_read] looked in the help articles
       *[unknown] { $value }
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
cli-error-disk-full = the disk is full: nothing was saved by this command, and what was saved before is intact. Free some space and run it again ({ $detail })
cli-error-plain-http = refusing plain http:// to { $host }: the password and token would cross the network unencrypted. Use https://, or --insecure for lab use only
cli-warning-insecure = warning: plain HTTP to { $server }: the password and token cross the network unencrypted (lab use only)
cli-error-for-needs-staff = --for is for staff filing on a customer's behalf; customers file for themselves
cli-error-unknown-customer = no customer with the e-mail { $email } in the customer directory

## --help (crates/cli/src/help.rs): ids are cli-help-COMMAND[-SUBCOMMAND][-OPTION]

cli-help = Tadhkira help-desk client (works offline)
cli-help-usage = Usage:
cli-help-options = Options
cli-help-arguments = Arguments
cli-help-commands = Commands
cli-help-help = Print help
cli-help-version = Print version
cli-help-data-dir = Data folder (local database, account, token)
cli-help-json = Print JSON instead of text
cli-help-offline = Do not try to sync after a change (it stays queued)
cli-help-mute = Alerts not to raise, comma-separated: reply, solved, pending, reminder, assigned, escalated, reopened
cli-help-lang = Language: en or ar (else TADHKIRA_LANG, else LC_ALL / LC_MESSAGES / LANG, else English)
cli-help-login = Sign in to a server
cli-help-login-server = The server's address, e.g. https://help.example.com (plain http:// only to this machine)
cli-help-login-email = Your e-mail address
cli-help-login-password = The password (else TADHKIRA_PASSWORD, else asked without echo on a terminal, else read from standard input)
cli-help-login-insecure = Allow plain http:// to another machine (lab use only: the password and token cross the network unencrypted)
cli-help-logout = Sign out (the local data stays)
cli-help-whoami = Who is signed in
cli-help-new = Open a new ticket
cli-help-new-title = One clear line: what is wrong, and where
cli-help-new-description = What happened, what you expected, and what you already tried
cli-help-new-priority = low, normal, high or urgent
cli-help-new-channel = desktop, portal, email, phone, remote, whatsapp or other (walk-in)
cli-help-new-category = A category, e.g. network
cli-help-new-contact-name = Contact name (else your profile's)
cli-help-new-contact-email = Contact e-mail (else your profile's)
cli-help-new-contact-phone = Contact phone (else your profile's)
cli-help-new-requester = Staff: the customer (user id) the ticket is for
cli-help-new-for-whom = Staff: the customer (e-mail) the ticket is for; the contact details default to theirs and the channel to phone
cli-help-new-override-reason = Staff: why the ticket is logged although the customer's subscription has lapsed (required then)
cli-help-new-attach = A file to attach (repeatable): a screenshot, a log; copied into the data folder at once
cli-help-list = List tickets from the local store
cli-help-list-queue = all, mine, unassigned, my_tier or breaching
cli-help-list-status = Only this status
cli-help-list-active = Only tickets still needing work
cli-help-list-priority = Only this priority
cli-help-list-channel = Only this channel
cli-help-list-tier = Only this tier (1 to 3)
cli-help-list-search = Words to find (titles, descriptions, messages)
cli-help-list-sort = updated, priority or due
cli-help-list-limit = How many tickets to show
cli-help-list-offset = How many to skip first
cli-help-show = Show a ticket (#1042, 1042 or its id) with its messages and timeline
cli-help-show-ticket = #1042, 1042 or the ticket's id
cli-help-reply = Reply on a ticket (public)
cli-help-reply-ticket = #1042, 1042 or the ticket's id
cli-help-reply-body = The reply
cli-help-reply-attach = A file to attach (repeatable); copied into the data folder at once
cli-help-note = Add an internal note (staff)
cli-help-note-ticket = #1042, 1042 or the ticket's id
cli-help-note-body = The note
cli-help-note-attach = A file to attach (repeatable); copied into the data folder at once
cli-help-download = Download a file attached to a ticket (checked against its SHA-256)
cli-help-download-ticket = #1042, 1042 or the ticket's id
cli-help-download-attachment = The file's number in tadhkira show (from 1), its id or its name
cli-help-download-out = Where to write it: a folder (it keeps its name) or a file path (default: the current folder)
cli-help-status = Change a ticket's status
cli-help-status-ticket = #1042, 1042 or the ticket's id
cli-help-status-status = new, open, pending, on_hold, solved or closed
cli-help-update = Change a ticket's fields
cli-help-update-ticket = #1042, 1042 or the ticket's id
cli-help-update-status = new, open, pending, on_hold, solved or closed
cli-help-update-priority = low, normal, high or urgent
cli-help-update-assignee = me, none, or a user id
cli-help-update-title = A new title
cli-help-escalate = Escalate a ticket to a higher tier
cli-help-escalate-ticket = #1042, 1042 or the ticket's id
cli-help-escalate-tier = The tier to hand it to (2 or 3)
cli-help-escalate-reason = Why it needs that tier
cli-help-sync = Push queued changes and pull new ones now
cli-help-outbox = Queued and rejected changes
cli-help-outbox-list = List entries (the default)
cli-help-outbox-resend = Queue a rejected entry again, optionally edited first
cli-help-outbox-resend-id = The entry's id (from tadhkira outbox)
cli-help-outbox-resend-body = New text for a reply or note
cli-help-outbox-resend-title = New title for a ticket's creation
cli-help-outbox-discard = Drop an entry (dropping a ticket's creation removes the local ticket)
cli-help-outbox-discard-id = The entry's id (from tadhkira outbox)
cli-help-watch = Stay connected and print alerts as they arrive
cli-help-articles = Knowledge-base articles from the local store (published ones; staff: --all)
cli-help-articles-search = Rank the published articles by this text, as the app's suggestions do
cli-help-articles-all = Staff: drafts and archived articles too
cli-help-article = Show a knowledge-base article by its id
cli-help-article-id = The article's id

# issue 16 (support terms)
cli-event-out-of-scope = { $actor } resolved it as outside the support terms: { $exclusion }
cli-event-terms-accepted = { $actor } accepted version { $version } of the support terms with this ticket
cli-help-new-accept-terms = Accept the version of the support terms in force with this ticket (asked before your organisation's first ticket under a new version)
# issue 19: channels (a logged call or remote session)
cli-event-contact-logged = { $actor } logged a { $channel } contact ({ $direction }, { $minutes } min): { $notes }
