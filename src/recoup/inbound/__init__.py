"""Customer replies: per-customer reply addresses, receiving mail (IMAP or SMTP),
matching each reply to its customer, classifying it and acting on it."""
