"""The ``simfarm`` command line: thin typer commands over ``farm``. Nothing imports ``cli``."""
