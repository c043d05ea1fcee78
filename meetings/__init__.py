"""The domain of giaoban: units, people, meetings, the rules that govern them, records and filing.

Plain functions and SQLModel tables; nothing here knows about HTTP.
"""
