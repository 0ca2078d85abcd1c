"""The outbox: every e-mail is a row first, written with the change that causes it, then
delivered by one sender that claims it, so a crash neither loses nor doubles a message."""
