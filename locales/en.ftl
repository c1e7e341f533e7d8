# Messages with a count, in Project Fluent syntax: the plural category comes from CLDR's rules
# for English (one, other). Plain texts stay in en.json.
working-days = { $count ->
    [one] { $count } working day
   *[other] { $count } working days
}
working-hours = { $count ->
    [one] { $count } working hour
   *[other] { $count } working hours
}
hours-left = { $count ->
    [one] { $count } working hour left
   *[other] { $count } working hours left
}
hours-late = { $count ->
    [one] late by { $count } working hour
   *[other] late by { $count } working hours
}
procedures = { $count ->
    [one] { $count } procedure
   *[other] { $count } procedures
}
my-delete-files = { $count ->
    [one] Its { $count } uploaded file is deleted with it.
   *[other] Its { $count } uploaded files are deleted with it.
}
seconds = { $count ->
    [one] { $count } second
   *[other] { $count } seconds
}
