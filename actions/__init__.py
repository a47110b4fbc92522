"""Custom actions for the Rasa action server: thin translators between Rasa and `bot`."""
