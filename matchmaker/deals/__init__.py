"""Brokers' deals (对接项目): pipeline board, deal pages, stage changes."""
