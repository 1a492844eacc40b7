"""The legal framework as dated data: phases, what binds in each, and the national criteria."""
