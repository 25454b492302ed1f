"""Pure rules of notification: recipients, routing, message templates, webhook signing, the notice board."""
