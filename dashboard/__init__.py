"""The owner's dashboard: Streamlit pages over the same snapshot the bot reads.

``frames`` turns a snapshot into pandas frames (one place), ``metrics`` computes every number as a
pure function of those frames (shared with ``sheetcrm report``), ``charts`` draws them and ``app``
is the Streamlit entry point.
"""
