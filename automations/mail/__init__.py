"""Email: templates, what is due (automations, campaigns, digests), sending, mailers."""
