"""Event plumbing shared by every mode: the router that sends an AWS event to the handler
that owns it, and, on the embedded defaults, the local delivery of the same events."""
