# The desktop shell's own texts: tray menu and native notifications (the UI has its own
# catalogues in ui/). Ids start with `tray-` or `notification-`.

## Tray menu

tray-open = Open Tadhkira
tray-new-ticket = New ticket
tray-sync-now = Sync now
tray-quit = Quit

## Tray icon: tooltip (Windows, macOS) and the label beside the icon (Linux, macOS)

tray-tooltip = Tadhkira
tray-tooltip-unread = { $count ->
    [0] Tadhkira: no unread replies
    [one] Tadhkira: 1 ticket with unread replies
   *[other] Tadhkira: { $count } tickets with unread replies
}
# Only the number: it sits beside the icon in the panel.
tray-unread-label = { $count }

## Native notifications

notification-open = Open
# One reply. $ticket is the ticket's number (#1042).
notification-reply-title = Reply on { $ticket }: { $title }
# One reply on a ticket the server has not numbered yet.
notification-reply-title-unnumbered = Reply on { $title }
notification-reply-body = { $author }: { $excerpt }
# Several replies from one sync, summarised.
notification-replies-title = { $count ->
    [one] 1 new reply
   *[other] { $count } new replies
}
# $tickets: the tickets' numbers (or titles), joined by notification-list-separator.
notification-replies-body = On { $tickets }
notification-list-separator = {", "}

## Event alerts: one per event that matters to the user. $ticket is the ticket's number
## (#1042), $title its title, $actor who did it.

# Staff set the customer's ticket solved: they may confirm or reopen it.
notification-solved-title = { $ticket } solved: { $title }
notification-solved-body = { $actor } marked it solved. Was it resolved? Open it to confirm or reopen.
# Staff set the customer's ticket pending: support waits on the customer.
notification-pending-title = { $ticket } waits on you: { $title }
notification-pending-body = { $actor } needs an answer from you to go on.
# The server's reminder. $days: how long the ticket has waited.
notification-reminder-title = Reminder: { $ticket } waits on you
notification-reminder-body = { $days ->
    [one] “{ $title }” has waited for your answer for 1 day.
   *[other] “{ $title }” has waited for your answer for { $days } days.
}
notification-assigned-title = { $ticket } assigned to you: { $title }
notification-assigned-body = Assigned by { $actor }.
# $tier: the agent's tier (L2).
notification-escalated-title = { $ticket } escalated to { $tier }: { $title }
notification-escalated-body = { $actor }: { $reason }
# A customer reopened a solved ticket.
notification-reopened-title = { $ticket } reopened: { $title }
notification-reopened-body = { $actor } says it is not resolved yet.

## Issue 21: the account's local database could not be read at start and was rebuilt
## (the engine's report; the app and the CLI show it).

store-recovered-title = Your local data could not be read and has been rebuilt
# $reason: what was wrong, as the database said it; $copy: where the damaged file is kept.
store-recovered-body = Tadhkira could not read this computer's copy of your tickets ({ $reason }). The damaged file is kept at { $copy }. Your tickets will be downloaded again from the helpdesk at the next sync.
store-recovered-salvaged = { $count ->
    [0] No unsent changes were waiting.
    [one] 1 unsent change was saved and will be sent.
   *[other] { $count } unsent changes were saved and will be sent.
}
# $list: the entries, joined by notification-list-separator.
store-recovered-lost = These unsent changes could not be read and are lost: { $list }
