"""toewijzing: a decision API for lwoo and pro allocations by regional partnerships (SWV)."""
