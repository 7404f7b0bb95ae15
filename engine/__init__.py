"""sithsflow's engine: domain, policy, SpiffWorkflow runner, persistence and use cases.

Nothing here imports Flask, click, APScheduler or WeasyPrint; those adapters call in.
"""
