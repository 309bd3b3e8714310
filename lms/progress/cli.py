import click

completion = click.Group("completion", help="The completion engine.")
