"""Registers operators keep: card stock, employments, local closing days, organisation
settings and admin rosters. Each module checks the actor's rights and audits the change."""
