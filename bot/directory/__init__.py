"""The service directory: HSDS import and export, places, opening hours, nearest-first search, and
results shaped for SMS and for speech. Import from the modules themselves: they sit in different
layers (docs/development.md), and this package's own module stays an empty door."""
