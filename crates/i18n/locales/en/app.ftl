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
