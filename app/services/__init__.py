"""Use cases. Services flush; the calling view or command commits."""
