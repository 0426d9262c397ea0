"""`frontdesk`: the command-line tool ops people run Frontdesk with.

Replay a consumer group, inspect and redrive dead letters, import a studio's clients
from CSV. Every action that changes something is written to the audit log as one JSON
line naming who did it and why.
"""
