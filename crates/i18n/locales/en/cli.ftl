# Messages of the `tadhkira` command-line client.
# Ids start with `cli-`. Variables: $count is a number (chooses the plural form).

cli-tickets-count =
    { $count ->
        [0] No tickets
        [one] { $count } ticket
       *[other] { $count } tickets
    }
