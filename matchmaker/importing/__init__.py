"""Reading and validating import files (CSV, XLSX, JSON Lines) of listings and organisations."""
