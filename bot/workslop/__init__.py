"""Workslop: AI output that looks finished but pushes the real work onto whoever receives it.
People flag what they received (a reaction or a shortcut), say privately what it cost, and
leaders see what it costs the team in aggregate (`tally`) — never who flagged whom."""
