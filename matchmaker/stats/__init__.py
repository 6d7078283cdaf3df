"""County statistics dashboard, targets and Excel export."""
