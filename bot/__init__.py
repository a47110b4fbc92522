"""Health Hub Hotline: the application package (domain core and its adapters)."""
