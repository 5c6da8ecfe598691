"""The canonicaliser: what to remove and what to keep inside one article, and which copy survives."""
