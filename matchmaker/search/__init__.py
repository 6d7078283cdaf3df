"""One search page over needs and achievements."""
