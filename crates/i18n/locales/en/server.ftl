# The `message` of the server's JSON error bodies, in the language of the request's
# Accept-Language (the `code` stays the stable English value; server logs stay English).

## One message per wire error code: used when a more precise message is not in the
## catalogue (the English detail is then appended, see error-with-detail), and by clients
## that explain a code.

error-invalid = the request is not valid
error-unauthorized = sign in first
error-forbidden = you may not do this
error-not-found = not found
error-subscription-inactive = your organisation's subscription is not active, so no new tickets can be opened
error-depends-on-rejected = this change depends on an earlier change that was rejected
error-conflict = this conflicts with an existing record
error-rate-limited = too many attempts; try again later
error-too-large = the request is too large
error-bad-credentials = wrong e-mail or password
error-internal = the server could not complete the request
error-busy = the server is busy; try again in a moment
error-reopen-window-passed = this ticket can no longer be reopened; file a new ticket instead
error-password-change-required = this password was set by an administrator for one use: choose a new password to sign in
error-unsupported-type = this type of file is not accepted
error-terms-not-accepted = accept the version of the support terms in force before filing this ticket
# A code's message followed by an untranslated (English) detail.
error-with-detail = { $message }: { $detail }

## Precise messages

error-no-token = sign in first: no valid token
error-too-many-sign-ins = too many failed sign-ins; try again later
error-too-many-writes = too many changes in a short time; try again later
error-sign-in-busy = too many sign-ins at once; try again in a moment
error-storage-full = the server has no room to store this now; it stays queued and is sent again later
error-request-timeout = the request took too long (its body arrived too slowly, or the server is overloaded); try again in a moment
error-no-route = no such endpoint
error-method-not-allowed = method not allowed here
error-directory-staff-only = the directory is for staff
error-admin-only = administration is for admins
error-disable-self = you cannot disable your own account
error-password-unchanged = choose a password different from the current one
error-articles-staff-only = articles are written by staff
error-limit-range = limit must be 1 to { $max }
error-query-too-long = search text must be at most { $max } characters
error-cursor-negative = cursor must not be negative
error-cursor-ahead = cursor {$cursor} is ahead of the newest change ({$head}): this server was restored from an older copy; pull again from 0
error-push-too-large = { $count } mutations in one push; at most { $max }
error-body-too-large = the request body is too large
error-file-too-large = the file is { $size } bytes; files may be at most { $max } bytes
error-file-empty = the file is empty
error-chunk-too-large = one chunk may be at most { $max } bytes
error-upload-busy = this upload is receiving another chunk right now; try again in a moment
error-upload-offset = the server holds { $offset } bytes of this upload: send from there
error-upload-overrun = more bytes than the { $size } declared for this upload
error-upload-hash = the bytes received do not match the declared sha256; the upload was dropped, start it again

# issue 16 (support terms)
error-no-terms = no support terms are published yet
# issue 19: channels (WhatsApp, the unmatched queue)
error-channel-not-configured = the { $channel } channel is not set up on this server
error-channel-bad-signature = the webhook's signature is missing or does not match
error-channel-verify-token = the webhook's verify token does not match
error-unmatched-staff-only = only staff may see and place unmatched messages
error-unmatched-placed = this message was already placed on a ticket
error-unmatched-not-customer = the person to link is not a customer
error-unmatched-person-id-taken = this person id belongs to someone else: open the form again
error-unmatched-no-organisation = there is no such organisation
error-unmatched-organisation-lapsed = the support subscription of { $org } is not active: no ticket can be opened for a new person of it
error-unmatched-bad-phone = the phone number is not one (write it with its country code, e.g. +20 100 123 4567)
error-unmatched-address-taken = { $address } already belongs to { $name }: link the message to them instead
whatsapp-subscription-inactive = Hello { $name }, thank you for your message. { $org }'s support subscription is not active at the moment, so we cannot open a ticket for it. Please contact your account manager to renew it.
email-subscription-inactive =
    Dear { $name },

    Thank you for your e-mail; it reached us. The support subscription of { $org } is not active at the moment, so we could not open a ticket for it.

    Please ask your account manager to renew the subscription. Once it is active again, write to us anew and we will take up your request.

    This is an automatic answer.
whatsapp-media-refused = [a { $kind } file that could not be kept: { $reason }]
whatsapp-unsupported = [a WhatsApp { $kind } message, which the helpdesk cannot show]
email-file-refused = [{ $name }: a file that could not be kept ({ $reason }); it is in the original message]
email-unreadable = [an e-mail that could not be read ({ $reason }); the original message is attached]
email-too-large = [an e-mail of { $size } bytes, more than the { $max } bytes read; it was moved unread to the folder { $folder }]

# issue 23: releases of the desktop app
error-update-field-missing = the { $field } field is missing
error-update-version = { $version } is not a version number such as 1.2.3
error-update-notes-too-long = release notes may be at most { $max } characters
error-update-too-large = the package is larger than the { $max } bytes this server accepts
error-update-signature-malformed = the signature is not a minisign signature in base64 (the text of the package's .sig file, as Tauri writes it)
error-update-signature = the package's signature does not verify against this server's updater public key: it was not signed with the updater's secret key, or it was changed after signing; nothing was published
error-update-signed-version = the package was signed as version { $signed }, not { $version }: the apps would refuse it; sign it as { $version }
