"""Identity, tokens, and the permission matrix (P6.1.2): who is asking, and may they."""
