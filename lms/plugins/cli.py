import click

plugins = click.Group("plugins", help="Plugins.")
