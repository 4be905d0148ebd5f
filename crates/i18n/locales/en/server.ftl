# The `message` of the server's JSON error bodies (the `code` stays the stable English value).
# Ids are `error-` followed by the error code.

error-internal = Something went wrong on the server. Please try again later.
