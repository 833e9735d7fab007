"""Communications: the outbox, its dispatcher, message templates and delivery channels."""
