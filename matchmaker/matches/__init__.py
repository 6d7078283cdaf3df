"""Match proposals: decisions, brokers' follow-up list."""
