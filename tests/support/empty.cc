// Keeps dnsprop_testsupport non-empty before any helper exists.
