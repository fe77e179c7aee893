"""``python -m cli``: same as the ``simfarm`` console script."""

from cli.main import main

main()
