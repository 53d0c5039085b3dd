"""What the service may reach outside itself, and the zones where it may reach nothing at all."""
